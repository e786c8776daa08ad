import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromScaled } from '../../../lib/decimal.ts';
import { assignmentForecast, projectForecast, remainingPlannedHours, type AssignmentPlan } from '../../../subgraphs/time/domain/forecast.ts';

// December 2026: Tue 1 … Thu 31, 23 weekdays. Today Wed 2026-12-09: weekdays after it are Thu 10 … Thu 31 = 16.
const december: AssignmentPlan = { plannedHours: '160.00', startDate: '2026-12-01', endDate: '2026-12-31' };

describe('remaining planned hours (planned × weekdays after today ÷ weekdays of the window)', () => {
  const cases: Array<[why: string, plan: AssignmentPlan, today: string, remaining: string]> = [
    // 160 × 16 / 23 = 111.304… → 111.30
    ['mid-window', december, '2026-12-09', '111.30'],
    ['before the window: all of it', december, '2026-11-20', '160.00'],
    ['the day before it starts: all of it', december, '2026-11-30', '160.00'],
    ['on its last day: nothing (today counts as past)', december, '2026-12-31', '0.00'],
    ['after it: nothing', december, '2027-01-04', '0.00'],
    // Friday 11th: after it Mon 14 … Thu 31 = 14 weekdays: 160 × 14 / 23 = 97.391… → 97.39; the weekend changes nothing.
    ['a Friday', december, '2026-12-11', '97.39'],
    ['a Saturday after that Friday: the same', december, '2026-12-12', '97.39'],
    // 10 × 1 / 3 = 3.333… → 3.33; 10 × 2 / 3 = 6.666… → 6.67 (half-up).
    ['a third', { plannedHours: '10.00', startDate: '2026-12-01', endDate: '2026-12-03' }, '2026-12-02', '3.33'],
    ['two thirds', { plannedHours: '10.00', startDate: '2026-12-01', endDate: '2026-12-03' }, '2026-12-01', '6.67'],
    // A weekend-only window is shared by calendar days: Sat 5, Sun 6; today Saturday → 1 of 2.
    ['a weekend window', { plannedHours: '9.00', startDate: '2026-12-05', endDate: '2026-12-06' }, '2026-12-05', '4.50'],
    ['no planned hours', { plannedHours: null, startDate: '2026-12-01', endDate: '2026-12-31' }, '2026-12-09', '0.00'],
  ];
  for (const [why, plan, today, remaining] of cases) it(why, () => assert.equal(fromScaled(remainingPlannedHours(plan, today), 2), remaining));
});

describe('assignment forecast', () => {
  it('EAC = approved to date + the plan still ahead', () => {
    // approved 60.50; remaining 111.30 (above); to date 160 − 111.30 = 48.70; variance 60.50 − 48.70 = 11.80;
    // EAC 60.50 + 111.30 = 171.80; VAC 160 − 171.80 = −11.80; consumed 60.50 / 160 = 37.8125 % → 37.81.
    assert.deepEqual(assignmentForecast(december, '60.50', '2026-12-09'), {
      asOf: '2026-12-09',
      plannedHours: '160.00',
      plannedHoursToDate: '48.70',
      approvedHours: '60.50',
      varianceHours: '11.80',
      percentConsumed: '37.81',
      remainingPlannedHours: '111.30',
      estimateAtCompletion: '171.80',
      varianceAtCompletion: '-11.80',
    });
  });

  it('without planned hours: the EAC is what was approved, no percentage', () => {
    const forecast = assignmentForecast({ ...december, plannedHours: null }, '12.00', '2026-12-09');
    assert.deepEqual([forecast.plannedHours, forecast.estimateAtCompletion, forecast.varianceAtCompletion, forecast.percentConsumed], ['0.00', '12.00', '-12.00', null]);
  });
});

describe('project forecast', () => {
  const plans: AssignmentPlan[] = [december, { plannedHours: '40.00', startDate: '2026-11-02', endDate: '2026-11-27' }];

  it('sums the assignments’ plans, takes every approved hour, and compares the EAC with the budget', () => {
    // planned 160 + 40 = 200; remaining 111.30 + 0 (November is past) = 111.30; to date 88.70; approved 95.25;
    // variance 95.25 − 88.70 = 6.55; EAC 95.25 + 111.30 = 206.55; VAC 200 − 206.55 = −6.55; consumed 95.25 / 200 = 47.625 → 47.63.
    // Budget 250: 95.25 / 250 = 38.10 %; 206.55 / 250 = 82.62 %; 250 − 206.55 = 43.45.
    assert.deepEqual(projectForecast(plans, '95.25', '250', '2026-12-09'), {
      asOf: '2026-12-09',
      budgetHours: '250.00',
      plannedHours: '200.00',
      plannedHoursToDate: '88.70',
      approvedHours: '95.25',
      varianceHours: '6.55',
      percentConsumed: '47.63',
      remainingPlannedHours: '111.30',
      estimateAtCompletion: '206.55',
      varianceAtCompletion: '-6.55',
      percentOfBudgetConsumed: '38.10',
      estimateAtCompletionPercentOfBudget: '82.62',
      budgetVarianceAtCompletion: '43.45',
    });
  });

  it('without a budget the budget figures are null; without assignments the plan is zero', () => {
    const forecast = projectForecast([], '10.00', null, '2026-12-09');
    assert.deepEqual(
      [forecast.plannedHours, forecast.estimateAtCompletion, forecast.percentConsumed, forecast.budgetHours, forecast.percentOfBudgetConsumed, forecast.budgetVarianceAtCompletion],
      ['0.00', '10.00', null, null, null, null],
    );
  });
});
