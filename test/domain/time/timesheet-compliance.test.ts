import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkforceMember } from '../../../subgraphs/time/domain/kpi-groups.ts';
import { isSubmittedWeek, rollUpCompliance, weeksOfRange } from '../../../subgraphs/time/domain/timesheet-compliance.ts';
import type { StatusCounts } from '../../../subgraphs/time/domain/timesheet-status.ts';

const counts = (draft: number, submitted: number, approved: number, rejected: number): StatusCounts => ({ DRAFT: draft, SUBMITTED: submitted, APPROVED: approved, REJECTED: rejected });

describe('a submitted week', () => {
  const cases: Array<[why: string, counts: StatusCounts, submitted: boolean]> = [
    ['no entries', counts(0, 0, 0, 0), false],
    ['only drafts', counts(2, 0, 0, 0), false],
    ['all submitted', counts(0, 3, 0, 0), true],
    ['all approved', counts(0, 0, 5, 0), true],
    ['approved and awaiting a decision', counts(0, 1, 4, 0), true],
    ['a draft left beside submitted entries (timesheet status SUBMITTED, but something is still to submit)', counts(1, 2, 0, 0), false],
    ['a rejected entry to fix', counts(0, 2, 2, 1), false],
  ];
  for (const [why, given, expected] of cases) it(`${why} → ${expected}`, () => assert.equal(isSubmittedWeek(given), expected));
});

describe('the weeks a range counts (their Thursday in the range)', () => {
  const cases: Array<[from: string, to: string, mondays: string[]]> = [
    // November 2026: Sun 1 … Mon 30. W44 (Mon 26 Oct, Thu 29 Oct) is October's; W49 (Mon 30 Nov, Thu 3 Dec) December's.
    ['2026-11-01', '2026-11-30', ['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23']],
    // December 2026 takes W49 (Thu 3 Dec) up to W53 (Mon 28 Dec, Thu 31 Dec).
    ['2026-12-01', '2026-12-31', ['2026-11-30', '2026-12-07', '2026-12-14', '2026-12-21', '2026-12-28']],
    // A range from a Friday to the next Wednesday holds no Thursday: no week.
    ['2026-11-20', '2026-11-25', []],
    ['2026-11-19', '2026-11-19', ['2026-11-16']],
  ];
  for (const [from, to, mondays] of cases) it(`${from} … ${to}`, () => assert.deepEqual(weeksOfRange(from, to), mondays));
});

describe('compliance roll-up', () => {
  const weeks = ['2026-11-23', '2026-11-30'];
  const member = (workerId: string, costCenterId: string, capacity: [string, string]): WorkforceMember => ({
    workerId,
    roleId: 'consultant',
    costCenterId,
    legalEntityId: 'le-1',
    targetUtilization: '75.00',
    capacity: new Map([[weeks[0], capacity[0]], [weeks[1], capacity[1]]]),
  });
  // ben is wholly on leave in the second week (no capacity: not expected); cy joined in the second week.
  const members = [member('ana', 'cc-a', ['40.00', '40.00']), member('ben', 'cc-a', ['20.00', '0.00']), member('cy', 'cc-b', ['0.00', '32.00'])];
  const submitted = new Set(['ana:2026-11-23', 'ben:2026-11-23', 'ben:2026-11-30', 'cy:2026-11-30']);
  const months = [
    { start: '2026-11-01', end: '2026-11-30' },
    { start: '2026-12-01', end: '2026-12-31' },
  ];

  it('counts expected and submitted weeks per group, each week in the month of its Thursday, and lists the missing ones', () => {
    const { rows, missing } = rollUpCompliance({ weeks, periods: months, dimensions: ['COST_CENTER'], members, submitted });
    assert.deepEqual(
      rows.map((r) => [r.periodStart, r.costCenterId, r.expectedWeeks, r.submittedWeeks, r.missingWeeks, r.complianceRate]),
      [
        // November (W48): ana and ben expected and submitted; cy not employed yet.
        ['2026-11-01', 'cc-a', 2, 2, 0, '100.00'],
        // December (W49, Thursday 3 Dec): ana expected, missing; ben on leave (a submitted week with no capacity is not counted).
        ['2026-12-01', 'cc-a', 1, 0, 1, '0.00'],
        ['2026-12-01', 'cc-b', 1, 1, 0, '100.00'],
      ],
    );
    assert.deepEqual(missing, [{ workerId: 'ana', weekStart: '2026-11-30', weekEnd: '2026-12-06', isoWeek: '2026-W49', capacityHours: '40.00' }]);
  });

  it('groups a week by the cost center in effect on its Thursday, with the capacity of all its days', () => {
    // ana moves from cc-a to cc-b on Wednesday 2 December: W49 (Thursday 3 December) counts in cc-b, all 40 hours.
    const moved = [
      { ...member('ana', 'cc-a', ['40.00', '16.00']), to: '2026-12-01' },
      { ...member('ana', 'cc-b', ['0.00', '24.00']), from: '2026-12-02' },
    ];
    const { rows, missing } = rollUpCompliance({ weeks, periods: months, dimensions: ['COST_CENTER'], members: moved, submitted });
    assert.deepEqual(rows.map((r) => [r.periodStart, r.costCenterId, r.expectedWeeks, r.submittedWeeks]), [
      ['2026-11-01', 'cc-a', 1, 1],
      ['2026-12-01', 'cc-b', 1, 0],
    ]);
    assert.equal(missing[0].capacityHours, '40.00');
  });

  it('one period for the whole range: 3 of 4 expected weeks submitted = 75.00 %', () => {
    const { rows } = rollUpCompliance({ weeks, periods: [{ start: '2026-11-23', end: '2026-12-06' }], dimensions: [], members, submitted });
    assert.deepEqual(rows.map((r) => [r.expectedWeeks, r.submittedWeeks, r.complianceRate]), [[4, 3, '75.00']]);
  });

  it('a third: 1 of 3 = 33.33 %, rounded half-up', () => {
    const lonely = [{ ...members[0], capacity: new Map([[weeks[0], '8.00'], [weeks[1], '8.00'], ['2026-12-07', '8.00']]) }];
    const { rows } = rollUpCompliance({ weeks: [...weeks, '2026-12-07'], periods: [{ start: '2026-11-23', end: '2026-12-13' }], dimensions: ['WORKER'], members: lonely, submitted });
    assert.deepEqual(rows.map((r) => [r.workerId, r.expectedWeeks, r.submittedWeeks, r.complianceRate]), [['ana', 3, 1, '33.33']]);
  });
});
