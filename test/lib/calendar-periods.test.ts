import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PERIODS, periodHolding, periodsWithin } from '../../lib/calendar-periods.ts';
import type { DomainError } from '../../lib/errors.ts';

describe('periodsWithin', () => {
  it('cuts a range into ISO weeks across a year end (Monday to Sunday, clipped)', () => {
    // 2026-12-28 is a Monday; 2027-01-03 a Sunday.
    assert.deepEqual(periodsWithin('2026-12-24', '2027-01-05', 'WEEK'), [
      { start: '2026-12-24', end: '2026-12-27' },
      { start: '2026-12-28', end: '2027-01-03' },
      { start: '2027-01-04', end: '2027-01-05' },
    ]);
  });

  it('cuts a range into calendar months, February of a leap year included', () => {
    assert.deepEqual(periodsWithin('2028-01-15', '2028-03-01', 'MONTH'), [
      { start: '2028-01-15', end: '2028-01-31' },
      { start: '2028-02-01', end: '2028-02-29' },
      { start: '2028-03-01', end: '2028-03-01' },
    ]);
  });

  it('gives one period per day, and a single-day range one period of any kind', () => {
    assert.equal(periodsWithin('2026-01-01', '2026-12-31', 'DAY').length, 365);
    for (const period of ['DAY', 'WEEK', 'MONTH'] as const) {
      assert.deepEqual(periodsWithin('2026-05-13', '2026-05-13', period), [{ start: '2026-05-13', end: '2026-05-13' }]);
    }
  });

  it('refuses a range that ends before it starts, or more periods than a question may have', () => {
    const badInput = (error: DomainError) => error.code === 'BAD_USER_INPUT';
    assert.throws(() => periodsWithin('2026-03-08', '2026-03-02', 'WEEK'), badInput);
    assert.throws(() => periodsWithin('2000-01-01', '2026-12-31', 'DAY'), badInput);
    assert.equal(periodsWithin('2000-01-01', '2026-12-31', 'MONTH').length, 27 * 12);
    assert.ok(MAX_PERIODS >= 3660);
  });
});

describe('periodHolding', () => {
  it('finds the period holding each day as a scan of the periods would, and none outside them', () => {
    for (const period of ['DAY', 'WEEK', 'MONTH'] as const) {
      const periods = periodsWithin('2025-12-03', '2026-11-30', period);
      for (const { start } of periodsWithin('2025-12-03', '2026-11-30', 'DAY')) {
        assert.equal(periodHolding(periods, start), periods.find((candidate) => candidate.start <= start && start <= candidate.end), `${period} ${start}`);
      }
      assert.equal(periodHolding(periods, '2025-12-02'), undefined);
      assert.equal(periodHolding(periods, '2026-12-01'), undefined);
    }
    assert.equal(periodHolding([], '2026-01-01'), undefined);
  });
});
