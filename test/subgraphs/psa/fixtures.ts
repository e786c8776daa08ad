import { randomUUID } from 'node:crypto';
import { createEvent, type DomainEvent } from '../../../lib/events/envelope.ts';
import { demoFirmWith } from '../../support/demo-firm.ts';
import type { DemoFirm } from '../../../lib/seed/demo-firm.ts';
import type { OpportunityWon } from '../../../subgraphs/crm/index.ts';
import type { BillingSetupReady } from '../../../subgraphs/psa/index.ts';
import type { SubgraphHarness } from '../../support/subgraph-harness.ts';

/** An event as the bus carries it (payloads are plain records there), with its typed payload still readable. */
type Published<T> = DomainEvent<T & Record<string, unknown>>;

/** `crm.opportunity.won` as crm publishes it, for a fresh deal unless overridden. */
export function opportunityWon(overrides: Partial<OpportunityWon> = {}): Published<OpportunityWon> {
  const data: OpportunityWon = {
    opportunityId: randomUUID(),
    name: 'Data platform rebuild',
    contractNumber: `C-${randomUUID().slice(0, 8)}`,
    customerId: randomUUID(),
    contractId: randomUUID(),
    rateCardId: randomUUID(),
    legalEntityId: 'le-de',
    billingMethod: 'TIME_AND_MATERIALS',
    currency: 'EUR',
    startDate: '2026-02-01',
    endDate: '2026-07-31',
    soldHours: '1200.00',
    amount: '180000.00',
    ratedRoleIds: ['role-consultant', 'role-architect'],
    estimatedHours: [
      { roleId: 'role-consultant', hours: '800.00' },
      { roleId: 'role-architect', hours: '400.00' },
    ],
    ...overrides,
  };
  return createEvent('crm', 'crm.opportunity.won', { typename: 'Opportunity', id: data.opportunityId }, data, { correlationId: randomUUID() }, new Date()) as Published<OpportunityWon>;
}

export const billingSetupReady = (contractId: string) =>
  createEvent<BillingSetupReady>('erp', 'erp.billing_setup.ready', { typename: 'BillingSetup', id: contractId }, { contractId, billingSetupId: randomUUID() }, { correlationId: randomUUID() }, new Date()) as Published<BillingSetupReady>;

/** The psa events of one type in the outbox, oldest first. */
export async function outboxOf<T = any>(psa: SubgraphHarness<any>, type: string): Promise<Array<{ subject_id: string; data: T; causation_id: string | null }>> {
  const rows = await psa.database.db.selectFrom('outbox').select(['subject_id', 'data', 'causation_id']).where('type', '=', type).orderBy('seq').execute();
  return rows.map((row: any) => ({ ...row, data: typeof row.data === 'string' ? JSON.parse(row.data) : row.data }));
}

export async function countRows(psa: SubgraphHarness<any>, table: string): Promise<number> {
  const row = await psa.database.db.selectFrom(table).select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number((row as { n: number | string }).n);
}

const pad = (n: number, width = 4) => String(n).padStart(width, '0');
const id = (kind: string, n: number) => `00000000-0000-4000-8${kind}-${pad(n, 12)}`;

/**
 * A small demo-firm plan with only psa's slice filled: `projects` projects of one customer, each with three tasks
 * (1, 1.1, 2), two assignments, one milestone and one open staffing request; the first project's consultant demand
 * is filled, and one open deal has tentative demand.
 */
export function planWithProjects(projects: number): DemoFirm {
  const firm = demoFirmWith({ today: '2026-03-01' });
  for (let n = 1; n <= projects; n += 1) {
    const projectId = id('001', n);
    const contractId = id('002', n);
    firm.contracts.push({
      id: contractId, rateCardId: id('003', n), number: `C-${pad(n)}`, name: `Contract ${n}`, customerId: 'customer-1',
      billingMethod: 'FIXED_FEE', currency: 'EUR', legalEntityId: 'le-de', soldHours: '500.00', amount: '50000.00', notToExceed: null,
      startDate: '2026-01-01', endDate: '2026-12-31', status: 'ACTIVE', opportunityId: id('004', n), rates: [],
    });
    firm.projects.push({
      id: projectId, code: `P-C-${pad(n)}`, name: `Project ${n}`, customerId: 'customer-1', contractId, billingMethod: 'FIXED_FEE',
      legalEntityId: 'le-de', currency: 'EUR', status: n % 5 === 0 ? 'ON_HOLD' : 'ACTIVE', startDate: '2026-01-01', endDate: '2026-12-31',
      budgetHours: '500.00', budgetAmount: '50000.00', managerId: 'manager-1',
    });
    // Children listed before their parent on purpose: the seed must order them.
    firm.tasks.push(
      { id: id('005', n * 10 + 2), projectId, wbs: '1.1', name: 'Discovery workshop', billable: true, status: 'OPEN' },
      { id: id('005', n * 10 + 1), projectId, wbs: '1', name: 'Discovery', billable: true, status: 'OPEN' },
      { id: id('005', n * 10 + 3), projectId, wbs: '2', name: 'Internal', billable: false, status: 'CLOSED' },
    );
    firm.assignments.push(
      { id: id('006', n * 10 + 1), projectId, workerId: 'worker-1', roleId: 'role-consultant', startDate: '2026-01-01', endDate: '2026-06-30', plannedHours: '400.00', status: 'CONFIRMED', billRateOverride: null },
      { id: id('006', n * 10 + 2), projectId, workerId: 'worker-2', roleId: 'role-architect', startDate: '2026-02-01', endDate: '2026-12-31', plannedHours: '100.00', status: 'TENTATIVE', billRateOverride: '150.00' },
    );
    firm.milestones.push({ id: id('007', n), projectId, name: 'Go-live', amount: '25000.00', currency: 'EUR', dueDate: '2026-02-15', status: 'COMPLETED' });
    firm.staffingRequests.push({
      id: id('008', n), roleId: 'role-tester', skills: ['selenium'], hours: '80.00', startDate: '2026-03-01', endDate: '2026-04-30',
      opportunityId: null, projectId, status: 'OPEN',
    });
  }
  // The first project's consultant demand, filled (the seed links it to the confirmed consultant assignment).
  firm.staffingRequests.push({
    id: id('008', 9998), roleId: 'role-consultant', skills: [], hours: '400.00', startDate: '2026-01-01', endDate: '2026-06-30',
    opportunityId: null, projectId: id('001', 1), status: 'FILLED',
  });
  // Demand from an open deal: no project yet.
  firm.staffingRequests.push({
    id: id('008', 9999), roleId: 'role-architect', skills: [], hours: '120.00', startDate: '2026-05-01', endDate: '2026-07-31',
    opportunityId: 'open-deal', projectId: null, status: 'OPEN',
  });
  return firm;
}
