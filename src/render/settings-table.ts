// The README's configuration table, made from the settings table (src/services/config.ts) so they never differ.
import {SETTINGS, type SettingKey, settingName, type SettingSpec, shownDefault} from '../services/config.js'

export const SETTINGS_TABLE_START = '<!-- settings:start (generated from src/services/config.ts by `npm run docs`; edit there) -->'
export const SETTINGS_TABLE_END = '<!-- settings:end -->'

const cell = (text: string) => text.replaceAll('|', '\\|')

/** One row per setting: its variable, its name in harbormaster.config.json, what it is for, its default. */
export function settingsTableMarkdown(): string {
  const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const spec: SettingSpec = SETTINGS[key]
    const meaning = spec.secret ? `${spec.description}; a credential: masked in all output` : spec.description
    return `| \`${spec.env}\` | \`${settingName(key)}\` | ${cell(meaning)} | ${cell(shownDefault(key) ?? 'unset')} |`
  })
  return [SETTINGS_TABLE_START, '| variable | setting | meaning | default |', '|---|---|---|---|', ...rows, SETTINGS_TABLE_END].join('\n')
}

/** The README with its configuration table replaced by the one made from the settings. */
export function readmeWithSettingsTable(readme: string): string {
  const start = readme.indexOf(SETTINGS_TABLE_START)
  const end = readme.indexOf(SETTINGS_TABLE_END)
  if (start < 0 || end < start) throw new Error('README.md has no settings table markers')
  return `${readme.slice(0, start)}${settingsTableMarkdown()}${readme.slice(end + SETTINGS_TABLE_END.length)}`
}
