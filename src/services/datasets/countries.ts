// Country names as the World Port Index writes them, to ISO 3166-1 alpha-3 codes (what Global Fishing
// Watch's anchorage list uses): the standard English names through i18n-iso-countries, WPI's own
// spellings through a short table, and the port's UN/LOCODE (whose first two letters are ISO alpha-2).
import {createRequire} from 'node:module'

import countries from 'i18n-iso-countries'

let registered = false

function registry(): typeof countries {
  if (!registered) {
    countries.registerLocale(createRequire(import.meta.url)('i18n-iso-countries/langs/en.json'))
    registered = true
  }
  return countries
}

/** WPI country names that the standard English names do not cover. */
const WPI_NAMES: Record<string, string> = {
  'Federated States of Micronesia': 'FSM',
  'Saint Helena, Ascension, and Tristan da Cunha': 'SHN',
  Burma: 'MMR',
  'Sint Maarten': 'SXM',
  'Wake Island': 'UMI',
  'Johnson Atoll': 'UMI',
  'Midway Islands': 'UMI',
  'South Georgia and South Sandwich Islands': 'SGS',
  'The Bahamas': 'BHS',
  'Congo (Brazzaville)': 'COG',
  'Congo (Kinshasa)': 'COD',
  'Caribbean Netherlands': 'BES',
  Brunei: 'BRN',
  Curacao: 'CUW',
  'Cabo Verde': 'CPV',
  Macau: 'MAC',
  'U.S. Virgin Islands': 'VIR',
  'Falkland Islands (Islas Malvinas)': 'FLK',
  Syria: 'SYR',
  Svalbard: 'SJM',
  'British Virgin Islands': 'VGB',
  'Saint Vincent and the Grenadines (Windward Islands)': 'VCT',
}

/** The ISO alpha-3 code of a WPI port's country, from its country name, else its UN/LOCODE; null if neither tells. */
export function portIso3(country: string | null, unlocode: string | null): string | null {
  const reg = registry()
  if (country) {
    const byName = WPI_NAMES[country] ?? reg.getAlpha3Code(country, 'en')
    if (byName) return byName
  }
  if (unlocode && /^[A-Z]{2}/.test(unlocode)) return reg.alpha2ToAlpha3(unlocode.slice(0, 2)) ?? null
  return null
}
