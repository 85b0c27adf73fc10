import {loadShippedAnchorages} from './src/services/datasets/anchorages.js'
import {loadShippedPorts} from './src/services/datasets/ports.js'
import {portIso3} from './src/services/datasets/countries.js'
import {matchNamedAnchorages} from './src/services/ports/named-anchorages.js'
let t = performance.now()
const a = loadShippedAnchorages(); console.log('anch', performance.now() - t); t = performance.now()
const sp = loadShippedPorts(); console.log('ports', performance.now() - t); t = performance.now()
const ports = sp.ports.map((p, i) => ({id: i, name: p.name, alternateNames: p.alternateNames, iso3: portIso3(p.country, p.unlocode), lat: p.lat, lon: p.lon}))
console.log('iso', performance.now() - t); t = performance.now()
const m = matchNamedAnchorages(a.anchorages, ports, {proximityKm: 20, maxNamedKm: 150})
console.log('match', performance.now() - t); t = performance.now()
const m2 = matchNamedAnchorages(a.anchorages, ports, {proximityKm: 20, maxNamedKm: 150})
console.log('match2', performance.now() - t); t = performance.now()
