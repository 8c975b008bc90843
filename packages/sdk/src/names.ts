import { randomBytes } from 'node:crypto'

const ADJECTIVES = [
  'amber',
  'bold',
  'brisk',
  'calm',
  'clever',
  'crisp',
  'dapper',
  'eager',
  'fancy',
  'gentle',
  'golden',
  'happy',
  'hidden',
  'icy',
  'jolly',
  'keen',
  'lively',
  'lucky',
  'mellow',
  'misty',
  'nimble',
  'noble',
  'proud',
  'quiet',
  'rapid',
  'royal',
  'silent',
  'snowy',
  'solar',
  'steady',
  'swift',
  'tidy',
  'vivid',
  'wild',
  'witty',
  'young',
]
const NOUNS = [
  'aurora',
  'badger',
  'breeze',
  'brook',
  'canyon',
  'cedar',
  'comet',
  'dawn',
  'delta',
  'ember',
  'falcon',
  'fern',
  'field',
  'forest',
  'galaxy',
  'glade',
  'harbor',
  'heron',
  'island',
  'lake',
  'lynx',
  'meadow',
  'moon',
  'otter',
  'pine',
  'planet',
  'river',
  'sea',
  'sky',
  'sparrow',
  'star',
  'stone',
  'sun',
  'thunder',
  'valley',
  'wave',
]

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** A run id: 12 random characters of [a-z0-9]. */
export function newRunId(): string {
  return randomString(12)
}

/** A writer id: 16 random characters of [a-z0-9]. */
export function newWriterId(): string {
  return randomString(16)
}

function randomString(n: number): string {
  const bytes = randomBytes(n)
  let s = ''
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length]
  return s
}

/** A readable run name such as `brisk-river-42`. */
export function newRunName(): string {
  const bytes = randomBytes(3)
  const adjective = ADJECTIVES[(bytes[0] as number) % ADJECTIVES.length]
  const noun = NOUNS[(bytes[1] as number) % NOUNS.length]
  return `${adjective}-${noun}-${((bytes[2] as number) % 99) + 1}`
}
