import { describe, expect, it } from 'vitest'
import { durationOption, parseDuration, secondsToMs } from '../../../src/surfaces/shared/duration.js'
import { UsageError } from '../../../src/surfaces/shared/errors.js'

describe('durations', () => {
  it('parses units, bare seconds and inf where allowed', () => {
    expect(parseDuration('--ttl', '500ms')).toBe(500)
    expect(parseDuration('--ttl', '30')).toBe(30_000)
    expect(parseDuration('--ttl', '1.5m')).toBe(90_000)
    expect(parseDuration('--ttl', 'inf', true)).toBe(Infinity)
    expect(() => parseDuration('--ttl', 'inf')).toThrow(UsageError)
    expect(() => parseDuration('--ttl', '0s')).toThrow(UsageError)
  })

  it('an absent option (or a bare flag) is undefined; seconds become whole ms', () => {
    expect(durationOption('--wait', undefined)).toBeUndefined()
    expect(durationOption('--wait', true)).toBeUndefined()
    expect(durationOption('--wait', '2s')).toBe(2000)
    expect(secondsToMs(undefined)).toBeUndefined()
    expect(secondsToMs(1.5)).toBe(1500)
    expect(secondsToMs(0.0004)).toBe(0)
  })
})
