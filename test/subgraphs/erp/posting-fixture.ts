import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../lib/clock.ts';
import { createEvent, type DomainEvent } from '../../../lib/events/envelope.ts';
import { crmTopics, type ContractCreated } from '../../../subgraphs/crm/index.ts';
import type { Money } from '../../../subgraphs/erp/domain/money.ts';
import type { ProjectPostingFacts } from '../../../subgraphs/erp/domain/posting.ts';
import { erpSubgraph, type ErpDatabase } from '../../../subgraphs/erp/index.ts';
import { hcmTopics, type LegalEntitySnapshot } from '../../../subgraphs/hcm/index.ts';
import type { PostingFactsRequest, PostingFactsSource } from '../../../subgraphs/erp/posting-facts.ts';
import { createErpSubgraph, type ErpOptions } from '../../../subgraphs/erp/server.ts';
import type { BillingEventRow, CostPostingRow } from '../../../subgraphs/erp/tables.ts';
import type { ExpenseApprovalCancelled, ExpenseApproved, ExpenseRejected, ExpenseSnapshot } from '../../../subgraphs/time/events.ts';
import {
  timeTopics,
  type TimeEntryApprovalCancelled,
  type TimeEntryApproved,
  type TimeEntryCorrected,
  type TimeEntryRejected,
  type TimeEntrySnapshot,
} from '../../../subgraphs/time/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';

/**
 * erp's posting consumer on a real migrated database, fed synthetic time events, with psa's projects and hcm's cost
 * rates served by a fake facts source (what the gateway would answer).
 */
export const C = {
  eur: 'c-eur', unset: 'c-without-setup', fixed: 'c-fixed', capped: 'c-capped',
  managed: 'c-managed', managedCapped: 'c-managed-capped', retainer: 'c-retainer', retainerHeld: 'c-retainer-held',
  ukUsd: 'c-uk-usd', ukUsdCapped: 'c-uk-usd-capped',
} as const;
export const P = {
  alpha: 'p-alpha', noSetup: 'p-no-setup', internal: 'p-internal', fixed: 'p-fixed', capped: 'p-capped',
  managed: 'p-managed', managedToo: 'p-managed-too', managedCapped: 'p-managed-capped', retainer: 'p-retainer', retainerHeld: 'p-retainer-held',
  ukUsd: 'p-uk-usd', ukUsdCapped: 'p-uk-usd-capped',
} as const;
export const W = { ana: 'w-ana', ben: 'w-ben' } as const;

const projects: ProjectPostingFacts[] = [
  { id: P.alpha, contractId: C.eur, customerId: 'cust-1', legalEntityId: 'le-de', currency: 'EUR' },
  // Its contract was never announced to erp: no billing setup.
  { id: P.noSetup, contractId: C.unset, customerId: 'cust-2', legalEntityId: 'le-de', currency: 'EUR' },
  // Internal work: no contract.
  { id: P.internal, contractId: null, customerId: 'cust-int', legalEntityId: 'le-de', currency: 'EUR' },
  // Billing models (billing-models.test.ts announces their contracts: a fixed fee, a T&M contract with a cap).
  { id: P.fixed, contractId: C.fixed, customerId: 'cust-3', legalEntityId: 'le-de', currency: 'EUR' },
  { id: P.capped, contractId: C.capped, customerId: 'cust-4', legalEntityId: 'le-de', currency: 'EUR' },
  // Recurring billing (recurring-billing.test.ts announces their contracts): managed services (two projects on one
  // contract), retainers.
  { id: P.managed, contractId: C.managed, customerId: 'cust-5', legalEntityId: 'le-de', currency: 'EUR' },
  { id: P.managedToo, contractId: C.managed, customerId: 'cust-5', legalEntityId: 'le-de', currency: 'EUR' },
  { id: P.managedCapped, contractId: C.managedCapped, customerId: 'cust-5', legalEntityId: 'le-de', currency: 'EUR' },
  { id: P.retainer, contractId: C.retainer, customerId: 'cust-6', legalEntityId: 'le-de', currency: 'EUR' },
  { id: P.retainerHeld, contractId: C.retainerHeld, customerId: 'cust-6', legalEntityId: 'le-de', currency: 'EUR' },
  // Foreign exchange (fx.test.ts announces their contracts and the legal entity): USD contracts of a GBP entity.
  { id: P.ukUsd, contractId: C.ukUsd, customerId: 'cust-7', legalEntityId: 'le-uk', currency: 'USD' },
  { id: P.ukUsdCapped, contractId: C.ukUsdCapped, customerId: 'cust-7', legalEntityId: 'le-uk', currency: 'USD' },
];

/** Cost rates by worker (ben has none). */
const costRates = new Map<string, Money>([[W.ana, { amount: '65.00', currency: 'EUR' }]]);

export interface FakePostingFacts extends PostingFactsSource {
  requests: Array<PostingFactsRequest & { correlationId: string }>;
  /** Reads of the graph (`load` or `loadMany`: one each). */
  calls: number;
  /** The next this many reads fail as if the gateway were down. */
  failReads: number;
}

export function fakePostingFacts(): FakePostingFacts {
  const answer = (request: PostingFactsRequest) => ({
    project: structuredClone(projects.find((project) => project.id === request.projectId) ?? null),
    costRate: request.costRateOf ? (costRates.get(request.costRateOf.workerId) ?? null) : null,
  });
  const read = (requests: readonly PostingFactsRequest[], correlationId: string) => {
    source.calls++;
    source.requests.push(...requests.map((request) => ({ ...request, correlationId })));
    if (source.failReads > 0) {
      source.failReads--;
      throw new Error('gateway unavailable');
    }
    return requests.map(answer);
  };
  const source: FakePostingFacts = {
    requests: [],
    calls: 0,
    failReads: 0,
    load: async (request, { correlationId }) => read([request], correlationId)[0],
    /** Like the gateway's: one read for the batch, which fails whole. */
    loadMany: async (requests, { correlationId }) => read(requests, correlationId),
  };
  return source;
}

const snapshot = (over: Partial<TimeEntrySnapshot> = {}): TimeEntrySnapshot => ({
  timeEntryId: randomUUID(), version: 2, status: 'APPROVED', workerId: W.ana, projectId: P.alpha, taskId: 't-dev', roleId: 'r-dev',
  assignmentId: 'a-ana', date: '2026-11-20', hours: '7.50', billable: true, ...over,
});

const expenseSnapshot = (over: Partial<ExpenseSnapshot> = {}): ExpenseSnapshot => ({
  expenseId: randomUUID(), version: 2, status: 'APPROVED', workerId: W.ana, projectId: P.alpha, date: '2026-11-20', amount: '84.30',
  currency: 'EUR', category: 'TRAVEL', billable: true, ...over,
});

/** When the fixture's events happen: 2026-11-25 noon, or noon of the work's day when later (time approves no future work). */
const occurredFor = (date?: string) => {
  const usual = new Date('2026-11-25T12:00:00Z');
  const worked = date ? new Date(`${date}T12:00:00Z`) : usual;
  return worked > usual ? worked : usual;
};

const timeEvent = <T>(type: string, subject: { typename: string; id: string }, data: T, workDate?: string) =>
  createEvent<T>('time', type, subject, data, { correlationId: randomUUID() }, occurredFor(workDate));

/** `time.entry.approved`; `billRate` defaults to 120.00 EUR for billable entries (what time froze). */
export function entryApproved(over: Partial<TimeEntryApproved> = {}): DomainEvent<TimeEntryApproved> {
  const base = snapshot(over);
  const data: TimeEntryApproved = {
    ...base, approvedBy: 'w-mia', approvedAt: '2026-11-25T12:00:00Z', correctionOf: null,
    billRate: base.billable ? { amount: '120.00', currency: 'EUR' } : null, ...over,
  };
  return timeEvent(timeTopics.entryApproved, { typename: 'TimeEntry', id: data.timeEntryId }, data, data.date);
}

export const entryApprovalCancelled = (entry: TimeEntrySnapshot) =>
  timeEvent<TimeEntryApprovalCancelled>(timeTopics.entryApprovalCancelled, { typename: 'TimeEntry', id: entry.timeEntryId }, {
    ...snapshot(entry), version: entry.version + 1, status: 'SUBMITTED', cancelledBy: 'w-mia', cancelledAt: '2026-11-25T13:00:00Z', reason: 'wrong task',
  });

export const entryRejected = (entry: TimeEntrySnapshot, wasApproved: boolean) =>
  timeEvent<TimeEntryRejected>(timeTopics.entryRejected, { typename: 'TimeEntry', id: entry.timeEntryId }, {
    ...snapshot(entry), version: entry.version + 1, status: 'REJECTED', rejectedBy: 'w-mia', rejectedAt: '2026-11-25T13:00:00Z', reason: 'not ours', wasApproved,
  });

export const entryCorrected = (entry: TimeEntrySnapshot, correctionId: string) =>
  timeEvent<TimeEntryCorrected>(timeTopics.entryCorrected, { typename: 'TimeEntry', id: entry.timeEntryId }, {
    reversed: { ...snapshot(entry), version: entry.version + 1 }, correctionId, correctedBy: 'w-ana', correctedAt: '2026-11-25T13:00:00Z', reason: 'hours were 6',
  });

export function expenseApproved(over: Partial<ExpenseApproved> = {}): DomainEvent<ExpenseApproved> {
  const data: ExpenseApproved = { ...expenseSnapshot(over), approvedBy: 'w-mia', approvedAt: '2026-11-25T12:00:00Z', correctionOf: null, ...over };
  return timeEvent(timeTopics.expenseApproved, { typename: 'ExpenseEntry', id: data.expenseId }, data, data.date);
}

export const expenseApprovalCancelled = (expense: ExpenseSnapshot) =>
  timeEvent<ExpenseApprovalCancelled>(timeTopics.expenseApprovalCancelled, { typename: 'ExpenseEntry', id: expense.expenseId }, {
    ...expenseSnapshot(expense), version: expense.version + 1, status: 'SUBMITTED', cancelledBy: 'w-mia', cancelledAt: '2026-11-25T13:00:00Z', reason: 'duplicate',
  });

export const expenseRejected = (expense: ExpenseSnapshot, wasApproved: boolean) =>
  timeEvent<ExpenseRejected>(timeTopics.expenseRejected, { typename: 'ExpenseEntry', id: expense.expenseId }, {
    ...expenseSnapshot(expense), version: expense.version + 1, status: 'REJECTED', rejectedBy: 'w-mia', rejectedAt: '2026-11-25T13:00:00Z', reason: 'no receipt', wasApproved,
  });

/** `hcm.legal_entity.created` (or `.changed`), as hcm publishes it. */
export const legalEntityCreated = (entity: LegalEntitySnapshot, topic: string = hcmTopics.legalEntityCreated) =>
  createEvent<LegalEntitySnapshot>('hcm', topic, { typename: 'LegalEntity', id: entity.legalEntityId }, entity, { correlationId: randomUUID() }, new Date());

/**
 * `crm.contract.created` for a contract of the fixture's projects: T&M in EUR for customer cust-1 by legal entity
 * le-de from 2026-01-01, its rate card pricing r-dev, no amount or cap — unless `data` says otherwise.
 */
export const contractCreated = (data: Partial<ContractCreated> & { contractId: string }) =>
  createEvent<ContractCreated>('crm', crmTopics.contractCreated, { typename: 'Contract', id: data.contractId }, {
    rateCardId: `rc-${data.contractId}`, customerId: 'cust-1', legalEntityId: 'le-de', billingMethod: 'TIME_AND_MATERIALS', currency: 'EUR',
    startDate: '2026-01-01', endDate: null, ratedRoleIds: ['r-dev'], amount: null, notToExceed: null, ...data,
  }, { correlationId: randomUUID() }, new Date());

export interface PostingHarness extends SubgraphHarness<ErpDatabase> {
  facts: FakePostingFacts;
  /** Delivers an event to erp's consumers as time's relay would (the bus carries untyped payloads). */
  publish(event: DomainEvent<unknown>): Promise<void>;
  /** A source's cost postings in posting order. */
  costPostingsOf(sourceId: string): Promise<CostPostingRow[]>;
  billingEventsOf(sourceId: string): Promise<BillingEventRow[]>;
  /** erp's outbox rows caused by one consumed event, in order. */
  outboxCausedBy(eventId: string): Promise<Array<{ type: string; subject_typename: string; subject_id: string; correlation_id: string; data: any }>>;
}

/** Ticks a second per reading, so postings and reversals of one test have distinct, ordered times. */
function tickingClock(): Clock {
  let instant = Date.parse('2026-11-25T14:00:00Z');
  return { now: () => new Date((instant += 1000)) };
}

/**
 * erp with the fake facts source and a billing setup (EUR, customer cust-1, legal entity le-de) for contract C.eur;
 * `options` adds collaborators (e.g. invoicing's customer facts).
 */
export async function startPosting(options: Omit<ErpOptions, 'postingFacts'> = {}): Promise<PostingHarness> {
  const facts = fakePostingFacts();
  const harness = await startSubgraph(erpSubgraph, { clock: tickingClock(), create: (deps) => createErpSubgraph(deps, { postingFacts: facts, ...options }) });
  const db = harness.database.db;
  const publish = (event: DomainEvent<unknown>) => harness.bus.publish(event as DomainEvent);
  // hcm's legal entity: erp converts what it bills into its currency (EUR, as the contract bills: rate 1).
  await publish(legalEntityCreated({ legalEntityId: 'le-de', code: 'DE', name: 'Example GmbH', country: 'DE', currency: 'EUR' }));
  await publish(contractCreated({ contractId: C.eur, rateCardId: 'rc-1' }));
  return Object.assign(harness, {
    facts,
    publish,
    costPostingsOf: (sourceId: string) =>
      db.selectFrom('cost_posting').selectAll().where('source_id', '=', sourceId).orderBy('posted_at').execute(),
    billingEventsOf: (sourceId: string) => db.selectFrom('billing_event').selectAll().where('source_id', '=', sourceId).orderBy('created_at').execute(),
    outboxCausedBy: (eventId: string) => db.selectFrom('outbox').selectAll().where('causation_id', '=', eventId).orderBy('seq').execute(),
  });
}
