import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overbookedWeeks } from '../../../subgraphs/psa/domain/booking.ts';

const week = (start: string, capacity: bigint, booked: bigint) => ({ start, end: start, capacity, booked });

describe('overbookedWeeks', () => {
  it('names the weeks booked past the limit percent of capacity, the limit rounded down', () => {
    const weeks = [week('2026-11-02', 4000n, 4000n), week('2026-11-09', 4000n, 4001n), week('2026-11-16', 3333n, 3700n)];
    assert.deepEqual(overbookedWeeks(weeks, 100).map((w) => w.start), ['2026-11-09', '2026-11-16']);
    // 110 % of 33.33 h = 36.663 → 36.66 h: 37.00 booked is over it.
    assert.deepEqual(overbookedWeeks(weeks, 110), [{ start: '2026-11-16', end: '2026-11-16', capacityHours: '33.33', bookedHours: '37.00', limitHours: '36.66' }]);
  });
  it('counts any hour in a week without capacity as overbooking', () => {
    assert.equal(overbookedWeeks([week('2026-11-02', 0n, 1n)], 150).length, 1);
    assert.equal(overbookedWeeks([week('2026-11-02', 0n, 0n)], 100).length, 0);
  });
});
