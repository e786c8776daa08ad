import type { Identity } from '../../../lib/auth/identity.ts';
import type { Clock } from '../../../lib/clock.ts';
import { createTimeSubgraph } from '../../../subgraphs/time/server.ts';
import type { TimeDatabase } from '../../../subgraphs/time/tables.ts';
import type { EntryBillingStatus, PayrollContextSource, ProjectFacts, WorkContext, WorkContextSource, WorkerFacts } from '../../../subgraphs/time/work-context.ts';
import { timeSubgraph } from '../../../subgraphs/time/index.ts';
import { admin, startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';

/**
 * The psa/hcm/crm facts time capture validates against, as plain data, served by a fake WorkContextSource that
 * counts its round trips. Today is 2026-11-25 (the clock is pinned); capture accepts dates up to 2026-12-09.
 */
export const TODAY = '2026-11-25';
export const clock: Clock = { now: () => new Date(`${TODAY}T12:00:00Z`) };

export const W = { ana: 'w-ana', ben: 'w-ben', cy: 'w-cy', dan: 'w-dan', old: 'w-old', fresh: 'w-fresh', left: 'w-left', mia: 'w-mia' } as const;
export const P = { alpha: 'p-alpha', draft: 'p-draft', bulk: 'p-bulk', internal: 'p-internal' } as const;
export const T = { dev: 't-dev', internal: 't-int', closed: 't-closed', bulk: 't-bulk' } as const;

export const ana: Identity = { workerId: W.ana, roles: ['WORKER'] };
export const ben: Identity = { workerId: W.ben, roles: ['WORKER'] };
export const manager: Identity = { workerId: W.mia, roles: ['WORKER', 'MANAGER'] };
export const finance: Identity = { workerId: 'w-fin', roles: ['WORKER', 'FINANCE'] };
export { admin };

const worker = (id: string, over: Partial<WorkerFacts> = {}): WorkerFacts => ({
  id,
  name: id,
  status: 'ACTIVE',
  hireDate: '2024-01-01',
  terminationDate: null,
  legalEntityId: 'le-1',
  roleId: 'r-dev',
  managerId: W.mia,
  ...over,
});

const confirmed = (workerId: string, roleId: string, over: Partial<ProjectFacts['assignments'][number]> = {}) => ({
  id: `a-${workerId}-${roleId}`,
  workerId,
  roleId,
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  status: 'CONFIRMED' as const,
  billRateOverride: null,
  ...over,
});

export const workers: WorkerFacts[] = [
  worker(W.ana),
  worker(W.ben),
  worker(W.cy),
  worker(W.dan),
  worker(W.old, { status: 'INACTIVE' }),
  worker(W.fresh, { hireDate: '2026-11-20' }),
  worker(W.left, { terminationDate: '2026-11-10' }),
  worker(W.mia, { managerId: null }),
];

export const projects: ProjectFacts[] = [
  {
    id: P.alpha,
    code: 'ALPHA',
    status: 'ACTIVE',
    legalEntityId: 'le-1',
    currency: 'EUR',
    contractId: 'c-1',
    tasks: [
      { id: T.dev, name: 'Development', status: 'OPEN', billable: true },
      { id: T.internal, name: 'Internal', status: 'OPEN', billable: false },
      { id: T.closed, name: 'Closed work', status: 'CLOSED', billable: true },
    ],
    assignments: [
      confirmed(W.ana, 'r-dev'),
      confirmed(W.ben, 'r-dev', { billRateOverride: '150.00' }),
      // cy's role has no rate on the card and no override: billable time cannot be priced.
      confirmed(W.cy, 'r-pm'),
      confirmed(W.dan, 'r-dev', { status: 'TENTATIVE' }),
      confirmed(W.old, 'r-dev'),
      confirmed(W.fresh, 'r-dev'),
      confirmed(W.left, 'r-dev'),
    ],
    rateCardId: 'rc-1',
    rates: [{ id: 'rate-1', roleId: 'r-dev', billRate: '120.00', effectiveFrom: '2026-01-01', effectiveTo: null }],
  },
  {
    id: P.draft,
    code: 'DRAFTY',
    status: 'DRAFT',
    legalEntityId: 'le-1',
    currency: 'EUR',
    contractId: null,
    tasks: [{ id: 'td', name: 'Draft work', status: 'OPEN', billable: true }],
    assignments: [confirmed(W.ana, 'r-dev')],
    rateCardId: null,
    rates: [],
  },
  {
    // Another legal entity (no closed periods), with a long assignment, for big batches.
    id: P.bulk,
    code: 'BULK',
    status: 'ACTIVE',
    legalEntityId: 'le-2',
    currency: 'EUR',
    contractId: 'c-2',
    tasks: [{ id: T.bulk, name: 'Bulk work', status: 'OPEN', billable: true }],
    assignments: [confirmed(W.ana, 'r-dev', { id: 'a-bulk', startDate: '2024-01-01' })],
    rateCardId: 'rc-2',
    rates: [{ id: 'rate-2', roleId: 'r-dev', billRate: '100.00', effectiveFrom: '2024-01-01', effectiveTo: null }],
  },
  {
    // Active but without a contract (internal work): nothing on it can be billed.
    id: P.internal,
    code: 'INTERNAL',
    status: 'ACTIVE',
    legalEntityId: 'le-1',
    currency: 'EUR',
    contractId: null,
    tasks: [{ id: 't-internal-work', name: 'Internal work', status: 'OPEN', billable: false }],
    assignments: [confirmed(W.ana, 'r-dev', { id: 'a-internal' })],
    rateCardId: null,
    rates: [],
  },
];

/** Serves the facts above; `calls` counts round trips. */
export function fakeWorkContext(): WorkContextSource & { calls: number; billing: Map<string, EntryBillingStatus>; expenseBilling: Map<string, EntryBillingStatus> } {
  const source = {
    calls: 0,
    /** What erp would say of an entry; absent: NOT_POSTED. Tests set INVOICED to see approvals held. */
    billing: new Map<string, EntryBillingStatus>(),
    async billingStatuses(ids: readonly string[]) {
      source.calls += 1;
      return new Map(ids.map((id) => [id, source.billing.get(id) ?? ('NOT_POSTED' as const)]));
    },
    async projectIdsOfCustomer(customerId: string) {
      source.calls += 1;
      return projects.filter((p) => p.contractId !== null && `cust-of-${p.contractId}` === customerId).map((p) => p.id);
    },
    /** What erp would say of an expense; absent: NOT_POSTED. */
    expenseBilling: new Map<string, EntryBillingStatus>(),
    async expenseBillingStatuses(ids: readonly string[]) {
      source.calls += 1;
      return new Map(ids.map((id) => [id, source.expenseBilling.get(id) ?? ('NOT_POSTED' as const)]));
    },
    async directReports(managerIds: readonly string[]) {
      source.calls += 1;
      return new Map(managerIds.map((id) => [id, workers.filter((w) => w.managerId === id).map((w) => w.id)]));
    },
    customersOfProjects: () => Promise.reject(new Error('the capture fixture has no KPI facts: use kpi-fixture.ts')),
    confirmedPlans: () => Promise.reject(new Error('the capture fixture has no KPI facts: use kpi-fixture.ts')),
    async load(request: { projectIds: readonly string[]; workerIds: readonly string[] }): Promise<WorkContext> {
      source.calls += 1;
      return {
        projects: new Map(request.projectIds.map((id) => [id, structuredClone(projects.find((p) => p.id === id) ?? null)])),
        workers: new Map(request.workerIds.map((id) => [id, structuredClone(workers.find((w) => w.id === id) ?? null)])),
      };
    },
  };
  return source;
}

/** hcm's calendars as the approval queue sees them: everyone works 8 hours Monday to Friday, no holidays. */
const fakeCalendars: PayrollContextSource = {
  workforce: () => Promise.reject(new Error('the capture fixture has no KPI facts: use kpi-fixture.ts')),
  async calendars({ workerIds }) {
    return new Map(workerIds.map((id) => [id, workers.some((w) => w.id === id) ? { workerId: id, calendars: [{ from: '2000-01-01', to: null, hoursPerDay: '8.00', workingDays: [1, 2, 3, 4, 5], holidays: [] }] } : null]));
  },
  workerIdsOfLegalEntity: async (legalEntityId) => workers.filter((w) => w.legalEntityId === legalEntityId).map((w) => w.id),
};

export interface CaptureHarness extends SubgraphHarness<TimeDatabase> {
  workContext: ReturnType<typeof fakeWorkContext>;
}

/**
 * The time subgraph built with a fake work context (or none), on a fresh migrated database, over HTTP. `clock`
 * replaces the pinned one (e.g. one that ticks, so history steps of one test have distinct times).
 */
export async function startCapture(options: { withoutWorkContext?: boolean; clock?: Clock } = {}): Promise<CaptureHarness> {
  const workContext = fakeWorkContext();
  const harness = await startSubgraph(timeSubgraph, {
    clock: options.clock ?? clock,
    create: (deps) => createTimeSubgraph(deps, options.withoutWorkContext ? {} : { workContext, payrollContext: fakeCalendars }),
  });
  return Object.assign(harness, { workContext });
}

export const codeOf = (response: { errors?: Array<{ extensions?: { code?: string } }> }) => response.errors?.[0]?.extensions?.code;
