import {loadShippedAnchorages} from './src/services/datasets/anchorages.js'
import {loadShippedPorts} from './src/services/datasets/ports.js'
import {portIso3} from './src/services/datasets/countries.js'
import {matchNamedAnchorages} from './src/services/ports/named-anchorages.js'
const t0 = performance.now()
const a = loadShippedAnchorages()
const t1 = performance.now()
const ports = loadShippedPorts().ports.map((p, i) => ({id: i, name: p.name, alternateNames: p.alternateNames, iso3: portIso3(p.country, p.unlocode), lat: p.lat, lon: p.lon, unlocode: p.unlocode}))
const m = matchNamedAnchorages(a.anchorages, ports, {proximityKm: 20, maxNamedKm: 150})
const t2 = performance.now()
console.log({load: t1 - t0, match: t2 - t1, anchorages: a.anchorages.length, rejected: a.rejected.length, dup: a.duplicates, dis: a.s2idDisagrees, byName: m.byName, byProx: m.byProximity, unmatchedCells: m.unmatchedCells, unmatchedLabels: m.unmatched.length})
console.log(m.unmatched.slice(0, 40).map(u => `${u.label}/${u.iso3} ${u.cells} (${u.lat.toFixed(3)},${u.lon.toFixed(3)})`).join('\n'))
const per = new Map<number, number>()
for (const c of m.assigned) per.set(c.portId, (per.get(c.portId) ?? 0) + 1)
for (const code of ['NLRTM','NLEUR','SGKEP','SGJUR','USHOU','USLAX','USLGB','PABLB','GRPIR','NLAMS','CNSGH','BEANR','DEHAM','HKHKG']) { const p = ports.find(p => p.unlocode === code)!; console.log(code, p.name, per.get(p.id) ?? 0) }
const labelsTo = new Map<string, Set<string>>()
for (const c of m.assigned) { if (c.method !== 'name') continue; const k = c.label; if (!labelsTo.has(k)) labelsTo.set(k, new Set()); labelsTo.get(k)!.add(ports[c.portId].name) }
console.log([...labelsTo].filter(([k]) => /SINGAPORE|ROTTERDAM|PANAMA|HOUSTON|HONG|SHANGHAI/.test(k)).map(([k, v]) => `${k} -> ${[...v].join(', ')}`).join('\n'))
