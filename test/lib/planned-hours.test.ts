import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromScaled } from '../../lib/decimal.ts';
import { plannedHoursWithin } from '../../lib/planned-hours.ts';

const within = (plannedHours: string | null, startDate: string, endDate: string, from: string, to: string) =>
  fromScaled(plannedHoursWithin({ plannedHours, startDate, endDate }, from, to), 2);

describe('plannedHoursWithin (the one rule for where planned hours fall)', () => {
  it('spreads a window evenly over its weekdays, weekends getting nothing', () => {
    // Monday 2 November – Sunday 15 November 2026: 10 weekdays, 100 h → 10 h a weekday.
    assert.equal(within('100', '2026-11-02', '2026-11-15', '2026-11-02', '2026-11-08'), '50.00');
    assert.equal(within('100', '2026-11-02', '2026-11-15', '2026-11-07', '2026-11-08'), '0.00');
    assert.equal(within('100', '2026-11-02', '2026-11-15', '2026-11-01', '2026-12-31'), '100.00');
  });
  it('rounds each share half-up to hundredths on its own (thirds of an hour)', () => {
    // 10 h over 3 weekdays (Monday-Wednesday): 3.333… a day.
    assert.equal(within('10', '2026-11-02', '2026-11-04', '2026-11-02', '2026-11-02'), '3.33');
    assert.equal(within('10', '2026-11-02', '2026-11-04', '2026-11-02', '2026-11-03'), '6.67');
  });
  it('shares a weekend-only window by calendar days, and gives nothing outside the window or without a plan', () => {
    assert.equal(within('8', '2026-11-07', '2026-11-08', '2026-11-08', '2026-11-08'), '4.00');
    assert.equal(within('8', '2026-11-02', '2026-11-06', '2026-11-09', '2026-11-13'), '0.00');
    assert.equal(within(null, '2026-11-02', '2026-11-06', '2026-11-02', '2026-11-06'), '0.00');
  });
});
