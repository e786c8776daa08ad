import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDailyLimit,
  checkNoOverlap,
  resolveBillRate,
  validateEntry,
  type EntryDraft,
  type EntryFacts,
} from '../../../subgraphs/time/domain/entry-rules.ts';
import type { BillRateRule } from '../../../subgraphs/time/events.ts';
import type { ProjectFacts, WorkerFacts } from '../../../subgraphs/time/work-context.ts';

const assignment = {
  id: 'a-1',
  workerId: 'w-1',
  roleId: 'r-dev',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  status: 'CONFIRMED' as const,
  billRateOverride: null,
};
const project: ProjectFacts = {
  id: 'p-1',
  code: 'P1',
  status: 'ACTIVE',
  legalEntityId: 'le-1',
  currency: 'EUR',
  contractId: 'c-1',
  tasks: [
    { id: 't-bill', name: 'Build', status: 'OPEN', billable: true },
    { id: 't-free', name: 'Free', status: 'OPEN', billable: false },
    { id: 't-done', name: 'Done', status: 'CLOSED', billable: true },
  ],
  assignments: [assignment],
  rateCardId: 'rc-1',
  rates: [
    { id: 'rate-h1', roleId: 'r-dev', billRate: '100.00', effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' },
    { id: 'rate-h2', roleId: 'r-dev', billRate: '110.00', effectiveFrom: '2026-07-01', effectiveTo: null },
  ],
};
const worker: WorkerFacts = {
  id: 'w-1',
  name: 'One',
  status: 'ACTIVE',
  hireDate: '2025-01-01',
  terminationDate: '2026-12-15',
  legalEntityId: 'le-1',
  roleId: 'r-dev',
  managerId: null,
};
const draft: EntryDraft = {
  workerId: 'w-1',
  projectId: 'p-1',
  taskId: 't-bill',
  date: '2026-11-20',
  hours: '8.00',
  startTime: null,
  endTime: null,
  billable: null,
  roleId: null,
};
const facts: EntryFacts = { today: '2026-11-25', maxDaysAhead: 14, project, worker, closedPeriods: [], sameDay: [] };

const codeOf = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('entry rules: validateEntry, first failure wins', () => {
  const cases: Array<[name: string, code: string | null, entry: Partial<EntryDraft>, context?: Partial<EntryFacts>]> = [
    ['a valid entry', null, {}],
    ['zero hours', 'INVALID_HOURS', { hours: '0.00' }],
    ['three decimals', 'INVALID_HOURS', { hours: '1.125' }],
    ['more than a day', 'INVALID_HOURS', { hours: '24.25' }],
    ['end before start', 'INVALID_HOURS', { startTime: '10:00', endTime: '09:00' }],
    ['hours beyond the span', 'INVALID_HOURS', { hours: '2.00', startTime: '09:00', endTime: '10:30' }],
    ['only a start time', 'INVALID_HOURS', { startTime: '09:00' }],
    ['15 days ahead', 'FUTURE_DATE', { date: '2026-12-10' }],
    ['14 days ahead', null, { date: '2026-12-09' }],
    ['no lookahead', 'FUTURE_DATE', { date: '2026-11-26' }, { maxDaysAhead: 0 }],
    ['unknown project', 'NOT_FOUND', {}, { project: null }],
    ['unknown worker', 'NOT_FOUND', {}, { worker: null }],
    ['project on hold', 'PROJECT_NOT_ACTIVE', {}, { project: { ...project, status: 'ON_HOLD' } }],
    ['inactive worker', 'WORKER_NOT_ACTIVE', {}, { worker: { ...worker, status: 'INACTIVE' } }],
    ['before the hire date', 'WORKER_NOT_ACTIVE', { date: '2024-12-31' }],
    ['after the termination date', 'WORKER_NOT_ACTIVE', { date: '2026-12-16' }, { maxDaysAhead: 30 }],
    ['on the termination date', null, { date: '2026-12-15' }, { maxDaysAhead: 30 }],
    ['outside the assignment window', 'NOT_ASSIGNED', { date: '2025-12-31' }],
    ['a tentative assignment', 'NOT_ASSIGNED', {}, { project: { ...project, assignments: [{ ...assignment, status: 'TENTATIVE' }] } }],
    ["another worker's assignment", 'NOT_ASSIGNED', {}, { project: { ...project, assignments: [{ ...assignment, workerId: 'w-2' }] } }],
    ['a task of another project', 'TASK_INVALID', { taskId: 't-other' }],
    ['a closed task', 'TASK_INVALID', { taskId: 't-done' }],
    ['billable on a non-billable task', 'TASK_INVALID', { taskId: 't-free', billable: true }],
    ['non-billable on a billable task', null, { billable: false }],
    ['another role', 'ROLE_NOT_ALLOWED', { roleId: 'r-pm' }],
    ['the assignment role', null, { roleId: 'r-dev' }],
    ['a closed period', 'PERIOD_LOCKED', {}, { closedPeriods: [{ legalEntityId: 'le-1', periodStart: '2026-11-01', periodEnd: '2026-11-30', graceUntil: null }] }],
    ["another entity's closed period", null, {}, { closedPeriods: [{ legalEntityId: 'le-2', periodStart: '2026-11-01', periodEnd: '2026-11-30', graceUntil: null }] }],
    ['no rate on the date', 'RATE_NOT_FOUND', {}, { project: { ...project, rates: [] } }],
    ['no rate, but not billable', null, { taskId: 't-free' }, { project: { ...project, rates: [] } }],
    ['no rate, but an override', null, {}, { project: { ...project, rates: [], assignments: [{ ...assignment, billRateOverride: '90.00' }] } }],
    ['overlapping a stored entry', 'OVERLAP', { hours: '1.00', startTime: '09:30', endTime: '10:30' }, { sameDay: [{ hours: '1.00', startTime: '09:00', endTime: '10:00' }] }],
    ['touching a stored entry', null, { hours: '1.00', startTime: '10:00', endTime: '11:00' }, { sameDay: [{ hours: '1.00', startTime: '09:00', endTime: '10:00' }] }],
    ['over 24 h that day', 'DAILY_LIMIT_EXCEEDED', { hours: '8.01' }, { sameDay: [{ hours: '16.00', startTime: null, endTime: null }] }],
    ['exactly 24 h that day', null, { hours: '8.00' }, { sameDay: [{ hours: '16.00', startTime: null, endTime: null }] }],
    // Order: the shape of the input is checked before anything else, the day's limits last.
    ['bad hours on an unknown project', 'INVALID_HOURS', { hours: '0' }, { project: null }],
    ['closed task on an inactive project', 'PROJECT_NOT_ACTIVE', { taskId: 't-done' }, { project: { ...project, status: 'CLOSED' } }],
    ['over the limit in a locked period', 'PERIOD_LOCKED', { hours: '9.00' }, {
      closedPeriods: [{ legalEntityId: 'le-1', periodStart: '2026-11-20', periodEnd: '2026-11-20', graceUntil: null }],
      sameDay: [{ hours: '16.00', startTime: null, endTime: null }],
    }],
  ];
  for (const [name, code, entry, context] of cases) {
    it(`${name} → ${code ?? 'valid'}`, () => {
      assert.equal(codeOf(() => validateEntry('entry 0', { ...draft, ...entry }, { ...facts, ...context })), code);
    });
  }

  it('fills in the defaults: billable from the task, role and assignment from the covering assignment', () => {
    const entry = validateEntry('entry 0', { ...draft, taskId: 't-free' }, facts);
    assert.deepEqual([entry.billable, entry.roleId, entry.assignmentId], [false, 'r-dev', 'a-1']);
  });

  it('names the entry and the rule in the message', () => {
    assert.throws(() => validateEntry('entry 7 (2026-11-20, project p-1)', { ...draft, roleId: 'r-x' }, facts), {
      message: /^entry 7 \(2026-11-20, project p-1\): ROLE_NOT_ALLOWED — role r-x/,
    });
  });
});

describe('bill rate precedence (DESIGN §2)', () => {
  const firstHalf = { kind: 'RATE_CARD', rateCardId: 'rc-1', rateId: 'rate-h1', roleId: 'r-dev', effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' } as const;
  const secondHalf = { kind: 'RATE_CARD', rateCardId: 'rc-1', rateId: 'rate-h2', roleId: 'r-dev', effectiveFrom: '2026-07-01', effectiveTo: null } as const;
  const cases: Array<[date: string, override: string | null, rate: string, rule: BillRateRule]> = [
    ['2026-03-01', '95.00', '95.00', { kind: 'ASSIGNMENT_OVERRIDE', assignmentId: assignment.id }],
    ['2026-03-01', null, '100.00', firstHalf],
    ['2026-06-30', null, '100.00', firstHalf],
    ['2026-07-01', null, '110.00', secondHalf],
  ];
  for (const [date, override, rate, rule] of cases) {
    it(`${date}, override ${override} → ${rate} by ${rule.kind}`, () => {
      assert.deepEqual(resolveBillRate('e', project, { ...assignment, billRateOverride: override }, 'r-dev', date), { amount: rate, rule });
    });
  }
  it('RATE_NOT_FOUND for a role without rates', () => {
    assert.equal(codeOf(() => resolveBillRate('e', project, assignment, 'r-pm', '2026-03-01')), 'RATE_NOT_FOUND');
  });
});

describe('day rules', () => {
  it('does not count untimed entries as overlaps', () => {
    assert.equal(codeOf(() => checkNoOverlap('e', { startTime: '09:00', endTime: '10:00' }, [{ hours: '8.00', startTime: null, endTime: null }])), null);
  });
  it('adds every other entry of the day exactly', () => {
    const day = [{ hours: '7.33', startTime: null, endTime: null }, { hours: '8.33', startTime: null, endTime: null }];
    assert.equal(codeOf(() => checkDailyLimit('e', '8.34', day)), null);
    assert.equal(codeOf(() => checkDailyLimit('e', '8.35', day)), 'DAILY_LIMIT_EXCEEDED');
  });
});
