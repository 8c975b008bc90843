import { describe, expect, it } from 'vitest'
import { formatDuration, formatTime, formatValue } from './format'

describe('formatDuration', () => {
  it('reads precisely for short runs and briefly for long ones', () => {
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(59_999)).toBe('59s')
    expect(formatDuration(245_000)).toBe('4m 05s')
    expect(formatDuration(2 * 3600_000 + 7 * 60_000)).toBe('2h 07m')
    expect(formatDuration(76 * 3600_000)).toBe('3d 4h')
  })

  it('shows a dash for a duration that cannot be', () => {
    expect(formatDuration(-1)).toBe('–')
    expect(formatDuration(Number.NaN)).toBe('–')
  })
})

describe('formatTime', () => {
  it('writes a local date and minute, or a dash', () => {
    expect(formatTime('2025-11-25T19:40:12.000Z')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/)
    expect(formatTime(null)).toBe('–')
    expect(formatTime('not a time')).toBe('–')
  })
})

describe('formatValue', () => {
  it('shows six significant digits, exponents for the very small and large, NaN for a gap', () => {
    expect(formatValue(0.123456789)).toBe('0.123457')
    expect(formatValue(2)).toBe('2')
    expect(formatValue(0)).toBe('0')
    expect(formatValue(0.00001234)).toBe('1.2340e-5')
    expect(formatValue(null)).toBe('NaN')
  })
})
