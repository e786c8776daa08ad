import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkClockSpan, checkHours } from '../../../subgraphs/time/domain/hours.ts';

const refusal = (error: { code?: string }) => error.code === 'BAD_USER_INPUT';

describe('hours of one entry', () => {
  for (const hours of ['0.01', '0.5', '7.50', '8', '23.99', '24', '24.00']) {
    it(`accepts ${hours}`, () => assert.equal(checkHours('hours', hours), hours));
  }
  const refused: Array<[hours: string, why: string]> = [
    ['0', 'zero'],
    ['0.00', 'zero with decimals'],
    ['-1.00', 'negative'],
    ['24.01', 'more than a day'],
    ['25', 'more than a day'],
    ['7.505', 'three decimals (no silent rounding)'],
    ['7,5', 'a comma'],
    ['', 'empty'],
    ['abc', 'not a number'],
    ['1e1', 'exponent notation'],
  ];
  for (const [hours, why] of refused) {
    it(`refuses "${hours}" (${why})`, () => assert.throws(() => checkHours('hours', hours), refusal));
  }
});

describe('start and end time of an entry', () => {
  it('accepts neither, or a span that holds the hours', () => {
    assert.doesNotThrow(() => checkClockSpan(null, null, '8.00'));
    assert.doesNotThrow(() => checkClockSpan('09:00', '17:30', '8.50'));
    assert.doesNotThrow(() => checkClockSpan('09:00', '17:30', '7.75')); // a break
    assert.doesNotThrow(() => checkClockSpan('00:00', '23:59', '23.98'));
  });
  const refused: Array<[start: string | null, end: string | null, hours: string, why: string]> = [
    ['09:00', null, '8.00', 'only a start'],
    [null, '17:00', '8.00', 'only an end'],
    ['17:00', '09:00', '8.00', 'end before start'],
    ['09:00', '09:00', '0.50', 'empty span'],
    ['09:00', '17:00', '8.01', 'more hours than the span'],
    ['9:00', '17:00', '8.00', 'not HH:MM'],
    ['09:00', '24:00', '8.00', '24:00 is not a time of day'],
    ['09:60', '17:00', '7.00', 'minute 60'],
  ];
  for (const [start, end, hours, why] of refused) {
    it(`refuses ${start ?? '-'} to ${end ?? '-'} for ${hours} h (${why})`, () =>
      assert.throws(() => checkClockSpan(start, end, hours), refusal));
  }
});
