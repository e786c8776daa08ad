import { demoFirmWith } from '../../support/demo-firm.ts';
import type { Identity } from '../../../lib/auth/identity.ts';
import type { DemoExpense, DemoFirm, DemoTimeEntry, EntryStatus } from '../../../lib/seed/demo-firm.ts';
import { addDays } from '../../../subgraphs/time/domain/iso-week.ts';
import { timeSubgraph, type TimeDatabase } from '../../../subgraphs/time/index.ts';
import { createTimeSubgraph } from '../../../subgraphs/time/server.ts';
import type { WorkContextSource, WorkerFacts } from '../../../subgraphs/time/work-context.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';

/**
 * A tiny hand-built demo firm for time's tests, written through time's own seed (`seedTime`). The hand entries (ids `te-…`)
 * carry the sums the tests check by hand; the bulk entries (`bulk-…`) exist for paging and statement counts.
 */
export const W = { ana: 'w-ana', ben: 'w-ben', cy: 'w-cy', dan: 'w-dan', eve: 'w-eve', mia: 'w-mia' } as const;
export const P = { alpha: 'p-alpha', beta: 'p-beta', bulk: 'p-bulk' } as const;

export const ana: Identity = { workerId: W.ana, roles: ['WORKER'] };
export const manager: Identity = { workerId: W.mia, roles: ['WORKER', 'MANAGER'] };
export const finance: Identity = { workerId: 'w-fin', roles: ['WORKER', 'FINANCE'] };

function entry(
  id: string,
  workerId: string,
  projectId: string,
  date: string,
  hours: string,
  status: EntryStatus,
  billable = true,
): DemoTimeEntry {
  const decided = status === 'APPROVED' || status === 'REJECTED';
  return {
    id,
    workerId,
    projectId,
    taskId: `${projectId}-task`,
    assignmentId: `${workerId}-${projectId}`,
    roleId: 'r-consultant',
    date,
    hours,
    billable,
    notes: `${id} notes`,
    status,
    decidedBy: decided ? W.mia : null,
    rejectionReason: status === 'REJECTED' ? 'wrong task' : null,
  };
}

export const handEntries: DemoTimeEntry[] = [
  // ana, 2026-W47 (Mon 16 - Sun 22 Nov): 21.75 h, 19.50 billable, one submitted → SUBMITTED
  entry('te-ana-1', W.ana, P.alpha, '2026-11-16', '8.00', 'APPROVED'),
  entry('te-ana-2', W.ana, P.alpha, '2026-11-17', '7.50', 'APPROVED'),
  entry('te-ana-3', W.ana, P.alpha, '2026-11-18', '2.25', 'SUBMITTED', false),
  entry('te-ana-4', W.ana, P.beta, '2026-11-18', '4.00', 'DRAFT'),
  // ben: 2026-W47 rejected; 2026-W48 all approved (11.30 h)
  entry('te-ben-1', W.ben, P.alpha, '2026-11-16', '6.00', 'REJECTED'),
  entry('te-ben-2', W.ben, P.alpha, '2026-11-23', '8.00', 'APPROVED'),
  entry('te-ben-3', W.ben, P.beta, '2026-11-24', '3.30', 'APPROVED'),
  // cy: ISO weeks across New Year
  entry('te-cy-1', W.cy, P.alpha, '2026-12-31', '1.10', 'APPROVED'),
  entry('te-cy-2', W.cy, P.alpha, '2027-01-01', '2.20', 'DRAFT'),
  entry('te-cy-3', W.cy, P.beta, '2020-12-31', '5.00', 'APPROVED'),
];

const bulkStatuses: EntryStatus[] = ['APPROVED', 'SUBMITTED', 'DRAFT', 'REJECTED'];

/** 60 entries on p-bulk, two per day going back from 2026-11-27: dan has 40, eve 20. */
export const bulkEntries: DemoTimeEntry[] = Array.from({ length: 60 }, (_, i) =>
  entry(
    `bulk-${String(i).padStart(3, '0')}`,
    i % 3 === 2 ? W.eve : W.dan,
    P.bulk,
    addDays('2026-11-27', -Math.floor(i / 2)),
    `${(i % 8) + 1}.${i % 2 === 0 ? '00' : '50'}`,
    bulkStatuses[i % 4],
    i % 5 !== 0,
  ),
);

export const expenses: DemoExpense[] = [
  { id: 'ex-ana-1', workerId: W.ana, projectId: P.alpha, date: '2026-11-17', amount: '120.50', currency: 'EUR', category: 'TRAVEL', billable: true, receiptRef: 'receipt-1', status: 'APPROVED' },
  { id: 'ex-ben-1', workerId: W.ben, projectId: P.alpha, date: '2026-11-18', amount: '45.00', currency: 'EUR', category: 'MEALS', billable: false, receiptRef: null, status: 'SUBMITTED' },
  { id: 'ex-ana-2', workerId: W.ana, projectId: P.beta, date: '2026-11-24', amount: '300.00', currency: 'USD', category: 'LODGING', billable: true, receiptRef: null, status: 'DRAFT' },
];

/** A plan holding only what time seeds; `timeEntries` is a generator, as in the real plan. */
export function tinyFirm(timeEntries: () => Iterable<DemoTimeEntry>, firmExpenses: DemoExpense[] = []): DemoFirm {
  return demoFirmWith({ today: '2026-11-27', expenses: firmExpenses, timeEntries });
}

/** The newest-first order of every time list: date descending, then id descending. */
export const newestFirst = (a: DemoTimeEntry, b: DemoTimeEntry) =>
  a.date !== b.date ? (a.date < b.date ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

/** hcm's reporting lines as the reads see them: mia manages everyone but cy. */
export const directReports: Readonly<Record<string, readonly string[]>> = { [W.mia]: [W.ana, W.ben, W.dan, W.eve] };

/** A worker as hcm would answer for them (reads ask only whether they exist: an empty week of nobody is NOT_FOUND). */
const workerFacts = (id: string): WorkerFacts => ({
  id, name: id, status: 'ACTIVE', hireDate: '2020-01-01', terminationDate: null, legalEntityId: 'le-1', roleId: 'r-dev',
  managerId: id === W.mia ? null : W.mia,
});

/** Reads need only the reporting lines and who the workers are; capture and approval have their own fixture (capture-fixture.ts). */
const reportingLinesOnly: WorkContextSource = {
  load: async ({ projectIds, workerIds }) => {
    if (projectIds.length > 0) throw new Error('the read fixture has no psa facts: use capture-fixture.ts');
    const known = new Set<string>(Object.values(W));
    return { projects: new Map(), workers: new Map(workerIds.map((id) => [id, known.has(id) ? workerFacts(id) : null])) };
  },
  billingStatuses: () => Promise.reject(new Error('the read fixture has no erp facts: use capture-fixture.ts')),
  expenseBillingStatuses: () => Promise.reject(new Error('the read fixture has no erp facts: use capture-fixture.ts')),
  directReports: async (managerIds) => new Map(managerIds.map((id) => [id, [...(directReports[id] ?? [])]])),
  /** Customer "cust-ab" owns alpha and beta; bulk belongs to another. */
  projectIdsOfCustomer: async (customerId) => (customerId === 'cust-ab' ? [P.alpha, P.beta] : []),
  customersOfProjects: () => Promise.reject(new Error('the read fixture has no KPI facts: use kpi-fixture.ts')),
  confirmedPlans: () => Promise.reject(new Error('the read fixture has no KPI facts: use kpi-fixture.ts')),
};

/** The time subgraph on a fresh database holding the fixture. */
export async function startSeededTime(): Promise<SubgraphHarness<TimeDatabase>> {
  const time = await startSubgraph(timeSubgraph, { create: (deps) => createTimeSubgraph(deps, { workContext: reportingLinesOnly }) });
  await timeSubgraph.seed(
    time.database.db,
    tinyFirm(function* () {
      yield* handEntries;
      yield* bulkEntries;
    }, expenses),
  );
  time.database.statements.reset();
  return time;
}

export const codeOf = (response: { errors?: Array<{ extensions?: { code?: string } }> }) => response.errors?.[0]?.extensions?.code;

/** Statements sent since the last reset (the outbox relay polls on its own, uncounted handle). */
export const requestStatements = (time: SubgraphHarness<TimeDatabase>) =>
  [...time.database.statements.recent];
