import {loadShippedPorts} from './src/services/datasets/ports.js'
import {haversineKm} from './src/services/geo/geometry.js'
const ps = loadShippedPorts().ports
for (const [name, lat, lon] of [['Barbours Cut', 29.683, -95.0], ['Bayport', 29.613, -95.017], ['San Pedro Bay anch', 33.70, -118.17], ['Tuas', 1.27, 103.63], ['Changi anch', 1.30, 104.02], ['Maasvlakte', 51.955, 4.02], ['Botlek', 51.88, 4.30]] as const) {
  const near = ps.map(p => ({p, d: haversineKm(lat, lon, p.lat, p.lon)})).sort((a, b) => a.d - b.d).slice(0, 3)
  console.log(name, near.map(n => `${n.p.name} ${n.p.unlocode} ${n.p.harborSize} ${n.d.toFixed(1)}km r${n.p.radiusKm}`).join(' | '))
}
