// Where the datasets shipped with harbormaster live (data/ at the package root, beside dist/ and src/).
import {join} from 'node:path'

import {PACKAGE_ROOT} from '../package-root.js'

export const DATA_DIR = join(PACKAGE_ROOT, 'data')

export const shippedFiles = {
  ports: join(DATA_DIR, 'ports', 'nga-wpi-UpdatedPub150.csv'),
  anchorages: join(DATA_DIR, 'ports', 'gfw-anchorage-overrides.csv'),
  piracy: join(DATA_DIR, 'piracy', 'nga-asam-2022-06-21-head-2008-on.csv'),
  aisSample: join(DATA_DIR, 'ais', 'gpsd-ais-raw-messages.log'),
  mid: join(DATA_DIR, 'ais', 'itu-maritime-identification-digits.csv'),
  nwsAlerts: join(DATA_DIR, 'weather', 'nws-alerts-active-1.json'),
} as const
