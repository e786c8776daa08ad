import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KpiDimension, WorkforceMember } from '../../../subgraphs/time/domain/kpi-groups.ts';
import { rollUpUtilization, type HoursCell, type UtilizationRow } from '../../../subgraphs/time/domain/utilization.ts';

/**
 * Two months, three workers:
 * - ana (consultant, cost center A, own target 80): capacity Nov 160, Dec 80.
 * - ben (consultant, cost center A, no own target → the role's 75): capacity Nov 80 (part-time), Dec 80.
 * - cy (architect, cost center B, target 60): capacity Nov 0 (hired in December), Dec 40; no hours at all.
 */
const periods = [
  { start: '2026-11-01', end: '2026-11-30' },
  { start: '2026-12-01', end: '2026-12-31' },
];
const member = (workerId: string, roleId: string, costCenterId: string, target: string | null, nov: string, dec: string): WorkforceMember => ({
  workerId,
  roleId,
  costCenterId,
  legalEntityId: 'le-1',
  targetUtilization: target,
  capacity: new Map([['2026-11-01', nov], ['2026-12-01', dec]]),
});
const members = [
  member('ana', 'consultant', 'cc-a', '80.00', '160.00', '80.00'),
  member('ben', 'consultant', 'cc-a', '75.00', '80.00', '80.00'),
  member('cy', 'architect', 'cc-b', '60.00', '0.00', '40.00'),
];
const cell = (workerId: string, projectId: string, customerId: string, periodStart: string, billableHours: string, nonBillableHours: string): HoursCell => ({
  workerId,
  projectId,
  customerId,
  periodStart,
  billableHours,
  nonBillableHours,
});
const cells = [
  cell('ana', 'p1', 'c1', '2026-11-01', '100.00', '10.00'),
  cell('ana', 'p2', 'c1', '2026-11-01', '20.00', '0.00'),
  cell('ben', 'p1', 'c1', '2026-11-01', '60.00', '4.50'),
  cell('ana', 'p1', 'c1', '2026-12-01', '33.33', '0.00'),
  // A worker hcm does not list (filtered out) brings nothing.
  cell('zed', 'p1', 'c1', '2026-11-01', '8.00', '0.00'),
];

type Shown = [period: string, key: string | null, billable: string, nonBillable: string, capacity: string, utilization: string | null, target: string | null, variance: string | null, workers: number];
const show = (key: (row: UtilizationRow) => string | null) => (row: UtilizationRow): Shown => [
  row.periodStart, key(row), row.billableHours, row.nonBillableHours, row.capacityHours, row.utilization, row.targetUtilization, row.varianceToTarget, row.workerCount,
];
const rollUp = (dimensions: KpiDimension[], workFiltered = false) => rollUpUtilization({ periods, dimensions, members, cells, workFiltered });

describe('utilization roll-up', () => {
  const cases: Array<[why: string, dimensions: KpiDimension[], key: (row: UtilizationRow) => string | null, expected: Shown[]]> = [
    [
      'per worker: billable ÷ own capacity, everyone with capacity has a row (cy only in December), the target is their own',
      ['WORKER'],
      (row) => row.workerId,
      [
        // ana Nov: 120 / 160 = 75.00 %, target 80 → −5.00. ben Nov: 60 / 80 = 75.00 %, target 75 → 0.00.
        ['2026-11-01', 'ana', '120.00', '10.00', '160.00', '75.00', '80.00', '-5.00', 1],
        ['2026-11-01', 'ben', '60.00', '4.50', '80.00', '75.00', '75.00', '0.00', 1],
        // ana Dec: 33.33 / 80 = 41.6625 → 41.66 (half-up at the third place: 41.6625 → 41.66). ben Dec: 0 / 80.
        ['2026-12-01', 'ana', '33.33', '0.00', '80.00', '41.66', '80.00', '-38.34', 1],
        ['2026-12-01', 'ben', '0.00', '0.00', '80.00', '0.00', '75.00', '-75.00', 1],
        ['2026-12-01', 'cy', '0.00', '0.00', '40.00', '0.00', '60.00', '-60.00', 1],
      ],
    ],
    [
      'per cost center: capacities add, the target is capacity-weighted',
      ['COST_CENTER'],
      (row) => row.costCenterId,
      [
        // cc-a Nov: 180 / 240 = 75.00 %; target (160×80 + 80×75) / 240 = 18800 / 240 = 78.333… → 78.33.
        ['2026-11-01', 'cc-a', '180.00', '14.50', '240.00', '75.00', '78.33', '-3.33', 2],
        // cc-a Dec: 33.33 / 160 = 20.83125 → 20.83; target (80×80 + 80×75) / 160 = 77.50.
        ['2026-12-01', 'cc-a', '33.33', '0.00', '160.00', '20.83', '77.50', '-56.67', 2],
        ['2026-12-01', 'cc-b', '0.00', '0.00', '40.00', '0.00', '60.00', '-60.00', 1],
      ],
    ],
    [
      'per project: the hours on it ÷ the capacity of the workers who logged on it that period',
      ['PROJECT'],
      (row) => row.projectId,
      [
        // p1 Nov: ana 100 + ben 60 = 160 over ana 160 + ben 80 = 240 → 66.67 %; target 78.33 as above.
        ['2026-11-01', 'p1', '160.00', '14.50', '240.00', '66.67', '78.33', '-11.66', 2],
        // p2 Nov: ana alone, 20 / 160 = 12.50 %.
        ['2026-11-01', 'p2', '20.00', '0.00', '160.00', '12.50', '80.00', '-67.50', 1],
        // p1 Dec: ana 33.33 / 80.
        ['2026-12-01', 'p1', '33.33', '0.00', '80.00', '41.66', '80.00', '-38.34', 1],
      ],
    ],
    [
      'per customer: a worker on two of its projects brings their capacity once',
      ['CUSTOMER'],
      (row) => row.customerId,
      [
        // c1 Nov: 100 + 20 + 60 = 180 over 160 + 80 = 240 → 75.00 %.
        ['2026-11-01', 'c1', '180.00', '14.50', '240.00', '75.00', '78.33', '-3.33', 2],
        ['2026-12-01', 'c1', '33.33', '0.00', '80.00', '41.66', '80.00', '-38.34', 1],
      ],
    ],
    [
      'per role and worker: both keys set',
      ['ROLE', 'WORKER'],
      (row) => `${row.roleId}/${row.workerId}`,
      [
        ['2026-11-01', 'consultant/ana', '120.00', '10.00', '160.00', '75.00', '80.00', '-5.00', 1],
        ['2026-11-01', 'consultant/ben', '60.00', '4.50', '80.00', '75.00', '75.00', '0.00', 1],
        ['2026-12-01', 'consultant/ana', '33.33', '0.00', '80.00', '41.66', '80.00', '-38.34', 1],
        ['2026-12-01', 'consultant/ben', '0.00', '0.00', '80.00', '0.00', '75.00', '-75.00', 1],
        ['2026-12-01', 'architect/cy', '0.00', '0.00', '40.00', '0.00', '60.00', '-60.00', 1],
      ],
    ],
  ];
  for (const [why, dimensions, key, expected] of cases) {
    it(why, () => assert.deepEqual(rollUp(dimensions).map(show(key)), expected));
  }

  it('no dimension: the firm as one row per period', () => {
    // Nov: 180 / (160 + 80 + 0) = 75.00 %; cy has no capacity in November and is not counted.
    // Dec: 33.33 / 200 = 16.665 → 16.67 (half-up); target (80×80 + 80×75 + 40×60) / 200 = 14800 / 200 = 74.00.
    assert.deepEqual(rollUp([]).map(show(() => null)), [
      ['2026-11-01', null, '180.00', '14.50', '240.00', '75.00', '78.33', '-3.33', 2],
      ['2026-12-01', null, '33.33', '0.00', '200.00', '16.67', '74.00', '-57.33', 3],
    ]);
  });

  it('with the work filtered, only the workers who logged it bring capacity', () => {
    // Dec: only ana logged (p1): 33.33 / 80; ben and cy logged nothing and are left out.
    assert.deepEqual(rollUp([], true).map(show(() => null)), [
      ['2026-11-01', null, '180.00', '14.50', '240.00', '75.00', '78.33', '-3.33', 2],
      ['2026-12-01', null, '33.33', '0.00', '80.00', '41.66', '80.00', '-38.34', 1],
    ]);
  });

  it('hours against zero capacity give a null utilization, not an error', () => {
    const weekend = rollUpUtilization({
      periods,
      dimensions: ['WORKER'],
      members: members.filter((m) => m.workerId === 'cy'),
      cells: [cell('cy', 'p1', 'c1', '2026-11-01', '4.00', '0.00')],
      workFiltered: false,
    });
    assert.deepEqual(weekend.map(show((row) => row.workerId)), [
      ['2026-11-01', 'cy', '4.00', '0.00', '0.00', null, null, null, 0],
      ['2026-12-01', 'cy', '0.00', '0.00', '40.00', '0.00', '60.00', '-60.00', 1],
    ]);
  });

  it('counts a worker who moved cost center mid-month in each cost center by the day of the work', () => {
    // ana moves from cc-a to cc-b on 16 December: two spans, each with the capacity of its own days.
    const spans: WorkforceMember[] = [
      { ...member('ana', 'consultant', 'cc-a', '80.00', '160.00', '40.00'), from: '2026-11-01', to: '2026-12-15' },
      { ...member('ana', 'consultant', 'cc-b', '80.00', '0.00', '40.00'), from: '2026-12-16', to: '2026-12-31' },
    ];
    const dated = [
      { ...cell('ana', 'p1', 'c1', '2026-11-01', '100.00', '0.00'), date: '2026-11-10' },
      { ...cell('ana', 'p1', 'c1', '2026-12-01', '8.00', '0.00'), date: '2026-12-10' },
      { ...cell('ana', 'p1', 'c1', '2026-12-01', '16.00', '0.00'), date: '2026-12-20' },
    ];
    const byCostCenter = rollUpUtilization({ periods, dimensions: ['COST_CENTER'], members: spans, cells: dated, workFiltered: false });
    assert.deepEqual(byCostCenter.map(show((row) => row.costCenterId)), [
      ['2026-11-01', 'cc-a', '100.00', '0.00', '160.00', '62.50', '80.00', '-17.50', 1],
      ['2026-12-01', 'cc-a', '8.00', '0.00', '40.00', '20.00', '80.00', '-60.00', 1],
      ['2026-12-01', 'cc-b', '16.00', '0.00', '40.00', '40.00', '80.00', '-40.00', 1],
    ]);
    const whole = rollUpUtilization({ periods, dimensions: ['WORKER'], members: spans, cells: dated, workFiltered: false });
    assert.deepEqual(whole.map(show((row) => row.workerId))[1], ['2026-12-01', 'ana', '24.00', '0.00', '80.00', '30.00', '80.00', '-50.00', 1]);
  });

  it('refuses hours dated outside the question’s periods (a bucketing bug must not pass silently)', () => {
    assert.throws(() => rollUpUtilization({ periods, dimensions: [], members, cells: [cell('ana', 'p1', 'c1', '2026-10-01', '1.00', '0.00')], workFiltered: false }));
  });
});
