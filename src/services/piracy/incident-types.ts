// Which ASAM records are piracy or armed robbery against ships, and of what type: the documented rule
// (README, "Piracy risk areas") applied to the record's hostility, victim and description fields.

/** Piracy incident types, most severe first. */
export const PIRACY_TYPES = ['hijacking', 'kidnapping', 'fired_upon', 'boarding', 'attempted_boarding', 'suspicious_approach'] as const
export type PiracyType = (typeof PIRACY_TYPES)[number]

/** Why a record is not a piracy incident. */
export const EXCLUSION_REASONS = [
  'military_or_state_action',
  'protest',
  'terrorism',
  'not_a_vessel',
  'stowaway_or_smuggling',
  'no_attack_described',
] as const
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number]

export type IncidentClass = {piracy: true; type: PiracyType} | {piracy: false; reason: ExclusionReason}

export interface AsamFields {
  hostility: string | null
  victim: string | null
  description: string | null
}

/**
 * Weight of one incident of each type in a zone's severity: hijacking and kidnapping above armed
 * robbery (a boarding, or shots fired at the ship) above attempts and approaches.
 */
export const TYPE_WEIGHT: Record<PiracyType, number> = {
  hijacking: 4,
  kidnapping: 4,
  fired_upon: 2,
  boarding: 2,
  attempted_boarding: 1,
  suspicious_approach: 0.5,
}

// The hostility field names who acted; these names are never pirates or robbers.
const STATE_ACTOR = /\b(military|militia|navy|naval|warship|coast ?guard|revolutionary guard|houthis?|huthis?|detained by|seized by)\b/i
// A victim that is a warship or a patrol vessel: attacks on armed forces are war or insurgency.
const STATE_VICTIM = /\b(navy|naval|warship|coast ?guard|military|destroyer|frigate|(?<!fisheries )patrol (boat|vessel|ship|craft))\b/i
// War damage and state seizures, as the description tells them (whatever the hostility field says).
const STATE_ACT = [
  /\b(missiles?|shelling|shelled|artillery|struck by a shell|(struck|hit) (by )?an? (sea |naval )?mine|limpet mines?|revolutionary guard|IRGC|houthis?|huthis?)\b/i,
  /\b(was|were) (detained|seized|intercepted|stopped|arrested) by (the )?([\w'-]+ ){0,3}(navy|coast ?guard|military|forces|revolutionary guard|militia)\b/i,
  /\b(iran|iranian authorities|authorities|customs( officers)?|coast ?guard) (seized|detained|arrested)\b/i,
  /\b(attacked|ambushed|fired (up)?on) (an? |the )?([\w-]+ ){0,3}(navy|naval|military|army|JTF|task force|police) (boat|vessel|ship|patrol|houseboat|gunboat)s?\b/i,
]
const EXPLOSION = /^\s*explosions?\s*$/i
const PROTEST = /\b(protest(er|ers|ors|ing)?|activists?|greenpeace|sea shepherd)\b/i
const PROTEST_DESCRIPTION = /\b(protesters|protestors|protesting|activists|greenpeace|sea shepherd)\b/i
// Insurgents' war at sea (suicide boats, bomb boats); militants who board, rob or kidnap count as piracy.
const TERRORISM = /\b(terrorist attack|suicide (boats?|attack|cadres?|bombers?|vessels?)|sea tigers|LTTE|explosive[- ]laden|bomb[- ]laden)\b/i
// Attacks on what is not a ship: oil installations, shipyards, shore posts.
const NOT_A_VESSEL = /\b(oil (facility|installation|platform|rig|field)|offshore (oil )?(facility|installation|platform)|flow ?station|pipeline|shipyard|outpost|jetty|facility|platform)\b/i
const VESSEL = /\b(tug\w*|vessel|ship|tanker|carrier|boat|barge|yacht|trawler)\b/i
const STOWAWAY_SMUGGLING_HOSTILITY = /\b(stow ?aways?|smuggl\w*|drugs?)\b/i
const STOWAWAY_SMUGGLING = /\b(stowaways (were|was) (found|discovered)|stowed away|cocaine|heroin|captagon|smuggl\w+)\b/i

// Phrases that name an act without it having happened ("evaded the hijacking attempt", "did not board").
const NOT_HIJACKED = /\b(attempt(ed|ing|s)? (to )?hijack\w*|hijack\w* attempts?|(evad|avoid|prevent|foil|thwart)\w* (a |the )?hijack\w*)/gi
const NOT_FIRED = /\b(warning shots? (were |was )?fired|no shots (were |was )?fired)\b/gi
const NOT_BOARDED = new RegExp(
  [
    String.raw`\b(not|never|no one|nobody|no robbers|no pirates) (been |be |being )?(board(ed)?|robbed)\b`,
    String.raw`\b(tried|attempt(ed|ing)?|trying) to (be )?(steal|rob|board|climb)\w*`,
    String.raw`\b(nothing|no items?|no property|none|nothing else) (was |were )?(reported |found |confirmed )?(stolen|missing)\b`,
    String.raw`\bwithout (stealing|boarding|robbing)\b`,
    String.raw`\bno (perpetrators|robbers|pirates|intruders|unauthori[sz]ed \w+|one) (were |was )?(found )?on ?board\b`,
    // Boarded by the people who answered the call, not by the attackers.
    String.raw`\b(coast ?guard|navy|naval|police|authorities|officers|security team|boarding team|forces|personnel|officials|inspectors|marines)( [\w-]+)? (then |later |subsequently )?boarded\b`,
    String.raw`\b(was |were )?(later |then )?boarded by (the )?([\w-]+ ){0,2}(coast ?guard|navy|naval|police|authorities|officers|forces|marines|security team|boarding team)\b`,
  ].join('|'),
  'gi',
)

const HIJACKING = /\b(hijack(ed|ing|ers?)?|(was|been|vessel|ship) pirated)\b/i
const KIDNAPPING = /\b(kidnap\w*|abduct\w*|taken captive|held captive|(were|was) captured by (a group of )?(pirates|robbers|gunmen))\b/i
const FIRED_UPON = /\b(fired (up)?on|under fire|fired at|opened fire|shot at|shots? (were |was )?fired|fired (several |multiple )?(shots|rounds) (at|on|towards)|exchange of fire|exchanged fire|returned fire)\b/i
const BOARDING =
  /\b(boarded|robbed|robbery|robbers? (stole|boarded)|stole|stolen|theft|broke (into|open|the lock)|climbed (on ?board|aboard|up)|gained (access|entry)|(was|were) (seen|spotted|sighted|noticed|found|discovered) (on ?board|on the (deck|forecastle|poop deck)|in the)|ransacked|looted|boarding (took place|occurred)|(managed|were able|was able) to (board|steal|climb)|steal(ing)?|(were|was) missing|padlocks?|threatened by [^.]{0,30}\b(robbers|pirates))\b/i
// Attackers seen aboard, whether or not they took anything ("a robber hiding on the forecastle deck").
const ABOARD =
  /\b(robbers?|pirates?|thieves|intruders|perpetrators|unauthori[sz]ed (persons?|individuals|personnel)|armed (persons|men))\b[^.]{0,60}?\b(on ?board (the|a|an) (ship|vessel|tanker|bulk carrier|carrier|barge|tug|yacht|container ship)|on (the )?(deck|forecastle|poop deck|stern|bow|main deck)|in the (engine|steering|hawse|store|accommodation|pump)|hiding)\b/i
const ATTEMPT =
  /\b(at?tempt(ed|ing|s)? (to )?(board|boarding|hijack|climb|steal)\w*|tried to (board|climb|steal)|climbing (up )?the (anchor chain|hawse)|unsuccessful(ly)? (attempt|to board|boarding)|failed to board|unable to board|could not board|abort(ed)? (the |their )?(attempt|attack|boarding)|attack(ed|ing)?|attcked|evaded)\b/i
const APPROACH = /\b(approach(ed|es|ing)?|chas(ed|ing)|pursu(ed|ing)|follow(ed|ing)|suspicious|skiffs?|speed ?boats?|circled)\b/i

const HOSTILITY_ROBBERY = /\b(robbe(r|rs|ry|d)|theft|thief|thieves|stolen|boarded|boarding|boarders|intruders?|unauthori[sz]ed)\b/i
const HOSTILITY_ATTEMPT = /\battempt/i

/**
 * The rule, in order: (1) a record whose hostility names a state actor, whose victim is a warship or
 * patrol vessel, or whose description tells of war damage or a state seizure is military or state
 * action; (2) protests; (3) terrorism (suicide and bomb boats); (4) attacks on installations, not
 * ships; (5) stowaways and smuggling named in the hostility field; then (6) the piracy type the
 * description and hostility tell, most severe first, after striking phrases that name an act that did
 * not happen ("evaded the hijacking attempt", "nothing was stolen", "boarded by the coast guard");
 * (7) stowaways and smuggling told with no attack; (8) anything else describes no attack on a ship.
 */
export function classifyIncident(fields: AsamFields): IncidentClass {
  const hostility = fields.hostility ?? ''
  const victim = fields.victim ?? ''
  const description = fields.description ?? ''

  if (STATE_ACTOR.test(hostility) || STATE_VICTIM.test(victim) || EXPLOSION.test(hostility) || STATE_ACT.some((re) => re.test(description))) {
    return {piracy: false, reason: 'military_or_state_action'}
  }
  if (PROTEST.test(hostility) || PROTEST_DESCRIPTION.test(description)) return {piracy: false, reason: 'protest'}
  if (TERRORISM.test(hostility) || TERRORISM.test(description)) return {piracy: false, reason: 'terrorism'}
  if (NOT_A_VESSEL.test(victim) && !VESSEL.test(victim)) return {piracy: false, reason: 'not_a_vessel'}

  if (STOWAWAY_SMUGGLING_HOSTILITY.test(hostility)) return {piracy: false, reason: 'stowaway_or_smuggling'}

  const type = piracyType(hostility, description)
  if (type) return {piracy: true, type}
  if (STOWAWAY_SMUGGLING.test(description)) return {piracy: false, reason: 'stowaway_or_smuggling'}
  return {piracy: false, reason: 'no_attack_described'}
}

function piracyType(hostility: string, description: string): PiracyType | null {
  const told = `${hostility}. ${description}`
  const done = told.replace(NOT_HIJACKED, ' ').replace(NOT_BOARDED, ' ').replace(NOT_FIRED, ' ')
  if (HIJACKING.test(done)) return 'hijacking'
  if (KIDNAPPING.test(done)) return 'kidnapping'
  if (FIRED_UPON.test(done)) return 'fired_upon'
  if (BOARDING.test(done) || ABOARD.test(done)) return 'boarding'
  if (ATTEMPT.test(told) || HOSTILITY_ATTEMPT.test(hostility)) return 'attempted_boarding'
  if (HOSTILITY_ROBBERY.test(hostility)) return 'boarding'
  if (APPROACH.test(told)) return 'suspicious_approach'
  return null
}
