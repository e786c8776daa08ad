import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../../lib/audit/record.ts';
import { assertNotOwnApprovals, type DutyRule } from '../../lib/audit/segregation.ts';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import { causedBy, createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox, handleOnce } from '../../lib/events/outbox.ts';
import type { ColumnTypes } from '../../lib/db/insert-by-columns.ts';
import { toJson } from '../../lib/db/types.ts';
import { compareDecimals } from '../../lib/decimal.ts';
import { notFound } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { checkDate } from '../../lib/validate.ts';
import type { ContractAmended, ContractUpdated } from '../crm/index.ts';
import { releaseCapHeld, releaseFeeHeld } from './cap-release.ts';
import type { MilestoneCompleted, psaTopics } from '../psa/index.ts';
import { capUsage, checkSchedule, exceedsCap, feeSourceTypes, planMilestoneBilling, type CapSums, type CapUsage, type ScheduleLineInput } from './domain/billing-models.ts';
import { sumDecimals } from './domain/money.ts';
import { feeHeldEvents, feeUsageOf, type FeeUsage } from './fee-cap.ts';
import type { Blocked, PlannedBilling, SetupPostingFacts } from './domain/posting.ts';
import { erpConsumerGroups, erpTopics, type BillingBlocked, type BillingEventCreated, type BillingEventHeld } from './events.ts';
import type { PostingFactsSource } from './posting-facts.ts';
import * as repo from './repository.ts';
import type { BillingSetupRow, ErpDatabase } from './tables.ts';
import type { FunctionalValue } from './domain/fx.ts';
import { functionalValueOf, fxMissingEvents } from './fx.ts';

/** The topic psa publishes when a milestone is done, checked against psa's at compile time (erp loads none of psa). */
export const milestoneCompletedTopic = 'psa.milestone.completed' satisfies (typeof psaTopics)['milestoneCompleted'];

/** erp's billing setup as the posting and billing rules read it. */
export const setupPostingFacts = (setup: BillingSetupRow): SetupPostingFacts => ({
  contractId: setup.contract_id,
  customerId: setup.customer_id,
  legalEntityId: setup.legal_entity_id,
  currency: setup.currency,
  billingMethod: setup.billing_method,
  expenseMarkupPercent: String(setup.expense_markup_percent),
});

/** A contract's cap use from its summed billing events (rows of `repo.capSumsByContracts`); null without a cap. */
export function capUsageOf(setup: BillingSetupRow, rows: ReadonlyArray<{ status: string; amount: string }>): CapUsage | null {
  if (setup.not_to_exceed === null) return null;
  const sums: CapSums = { billed: '0', unbilled: '0', held: '0' };
  // What the previous system invoiced on the contract was billed to the customer: the cap bounds it too.
  for (const row of rows) {
    const key = (row.status === 'INVOICED_EXTERNALLY' ? 'billed' : row.status.toLowerCase()) as keyof CapSums;
    sums[key] = sumDecimals([sums[key], String(row.amount)]);
  }
  return capUsage(String(setup.not_to_exceed), setup.currency, sums);
}

/** A functional value as a billing event's columns (its writers', its release's and the seed's one mapping). */
export const fxColumns = (value: FunctionalValue) => ({ fx_rate: value.fxRate, functional_currency: value.functionalCurrency, functional_amount: value.functionalAmount });

/**
 * The billing event row of a planned billing: HELD when it has a held reason, else UNBILLED; its functional value as
 * captured (writers' and the seed's one mapping).
 */
export const billingEventRow = (id: string, billing: PlannedBilling, value: FunctionalValue, createdAt: Date) => ({
  id, source_type: billing.sourceType, source_id: billing.sourceId, contract_id: billing.contractId, project_id: billing.projectId,
  customer_id: billing.customerId, legal_entity_id: billing.legalEntityId, worker_id: billing.workerId, role_id: billing.roleId,
  task_id: billing.taskId, date: billing.date, description: billing.description, hours: billing.hours, rate: billing.rate,
  amount: billing.amount, currency: billing.currency, ...fxColumns(value),
  status: billing.invoicedExternally ? ('INVOICED_EXTERNALLY' as const) : billing.heldReason ? ('HELD' as const) : ('UNBILLED' as const),
  held_reason: billing.heldReason, reversed_at: null, created_at: createdAt, updated_at: createdAt,
  basis: billing.basis ? toJson(billing.basis) : null,
});

/** The types of `billingEventRow`'s columns, for a batch's insert by columns (lib/db/insert-by-columns.ts). */
export const billingEventColumns: ColumnTypes<ReturnType<typeof billingEventRow>> = {
  id: 'text', source_type: 'text', source_id: 'text', contract_id: 'text', project_id: 'text', customer_id: 'text', legal_entity_id: 'text',
  worker_id: 'text', role_id: 'text', task_id: 'text', date: 'date', description: 'text', hours: 'numeric', rate: 'numeric',
  amount: 'numeric', currency: 'text', fx_rate: 'numeric', functional_amount: 'numeric', functional_currency: 'text', status: 'text',
  held_reason: 'text', reversed_at: 'timestamptz', created_at: 'timestamptz', updated_at: 'timestamptz', basis: 'jsonb',
};

/** What names a held billing event in its announcements (the fields `erp.billing_event.held` opens with). */
export type HeldEventRef = Pick<BillingEventHeld, 'billingEventId' | 'sourceType' | 'sourceId' | 'contractId' | 'projectId' | 'amount'>;

/** `erp.billing_event.held` and `erp.billing.blocked` (CAP_REACHED) for an event its contract's cap holds. */
export function capHeldEvents(event: HeldEventRef, usage: CapUsage, cause: EventCause, now: Date): DomainEvent<unknown>[] {
  const subject = { typename: 'BillingEvent', id: event.billingEventId };
  const { cap, billed, unbilled, held, remaining } = usage;
  return [
    createEvent<BillingEventHeld>('erp', erpTopics.billingEventHeld, subject, { ...event, heldReason: 'CAP_REACHED', capUsage: { cap, billed, unbilled, held, remaining } }, cause, now),
    createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, subject, {
      contractId: event.contractId,
      code: 'CAP_REACHED',
      reason: `${event.sourceType} ${event.sourceId} bills ${event.amount.amount} ${event.amount.currency}, contract ${event.contractId} has ${remaining.amount} left under its cap of ${cap.amount}: it is held`,
      source: { type: event.sourceType, id: event.sourceId, projectId: event.projectId },
    }, cause, now),
  ];
}

/**
 * Writes a planned billing event, whatever its source (an approval, a milestone, a schedule line), with the events
 * that announce it. A fixed-fee source (milestone, schedule line, percent-complete run) on a FIXED_FEE contract with
 * an amount faces the fee first, under the setup's lock: when it would take what the fee's sources asked for past the
 * fee, it is written HELD (FEE_EXCEEDED) — whole, as for the cap — with `erp.billing_event.held` and
 * `erp.billing.blocked`, for an amendment to release (cap-release.ts `releaseFeeHeld`). Its value in its legal entity's currency is captured here (fx.ts: the rate of the event's date,
 * kept from then on); an event that would otherwise be UNBILLED and that no rate converts is written HELD
 * (FX_RATE_MISSING) with `erp.billing_event.held` and `erp.billing.blocked`, and faces the cap when a rate releases it.
 * The contract's not-to-exceed cap is checked here, under a lock on its billing setup (so two writers cannot both fit
 * under it): an event that would otherwise be UNBILLED and takes billed + unbilled past the cap is written HELD
 * (CAP_REACHED) — whole, even when only part of it overruns — and `erp.billing_event.held` and `erp.billing.blocked`
 * (CAP_REACHED) follow `erp.billing_event.created`.
 */
export async function writeBillingEvent(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  planned: PlannedBilling,
  cause: EventCause,
): Promise<{ id: string; events: DomainEvent<unknown>[] }> {
  const billing = { ...planned };
  const value = await functionalValueOf(trx, billing);
  let feeUsage: FeeUsage | null = null;
  // Invoiced by the previous system: recorded as it stands, facing none of the rules that hold what psgraph bills.
  if (billing.invoicedExternally) billing.heldReason = null;
  const billsHere = !billing.invoicedExternally;
  if (billsHere && !billing.heldReason && feeSourceTypes.some((type) => type === billing.sourceType)) {
    const setup = await repo.lockBillingSetupByContract(trx, billing.contractId);
    feeUsage = setup && setup.currency === billing.currency ? await feeUsageOf(trx, setup, billing.sourceType) : null;
    if (feeUsage && compareDecimals(billing.amount, feeUsage.remaining.amount) > 0) billing.heldReason = 'FEE_EXCEEDED';
  }
  if (billsHere && !billing.heldReason && value.fxRate === null) billing.heldReason = 'FX_RATE_MISSING';
  let usage: CapUsage | null = null;
  if (billsHere && !billing.heldReason) {
    const setup = await repo.lockBillingSetupByContract(trx, billing.contractId);
    usage = setup && setup.currency === billing.currency ? capUsageOf(setup, await repo.capSumsByContracts(trx, [billing.contractId])) : null;
    if (usage && exceedsCap(usage, billing.amount)) billing.heldReason = 'CAP_REACHED';
  }
  const id = randomUUID();
  const now = clock.now();
  const row = billingEventRow(id, billing, value, now);
  await trx.insertInto('billing_event').values(row).execute();
  return { id, events: billingEventWritten(id, billing, row.status, { feeUsage, capUsage: usage, functionalCurrency: value.functionalCurrency }, cause, now) };
}

/**
 * The events of a billing event just written (one at a time or in a batch): `erp.billing_event.created`, then what
 * its held reason announces (fee exceeded, cap reached, FX rate missing) with the usage that held it.
 */
export function billingEventWritten(
  id: string,
  billing: PlannedBilling,
  status: BillingEventCreated['status'],
  held: { feeUsage?: FeeUsage | null; capUsage?: CapUsage | null; functionalCurrency: string | null },
  cause: EventCause,
  now: Date,
): DomainEvent<unknown>[] {
  const subject = { typename: 'BillingEvent', id };
  const amount = { amount: billing.amount, currency: billing.currency };
  const events: DomainEvent<unknown>[] = [
    createEvent<BillingEventCreated>('erp', erpTopics.billingEventCreated, subject, {
      billingEventId: id, sourceType: billing.sourceType, sourceId: billing.sourceId, contractId: billing.contractId,
      projectId: billing.projectId, customerId: billing.customerId, legalEntityId: billing.legalEntityId, workerId: billing.workerId,
      date: billing.date, hours: billing.hours, amount, status, heldReason: billing.heldReason,
    }, cause, now),
  ];
  const ref = { billingEventId: id, sourceType: billing.sourceType, sourceId: billing.sourceId, contractId: billing.contractId, projectId: billing.projectId, amount };
  if (billing.heldReason === 'FEE_EXCEEDED' && held.feeUsage) events.push(...feeHeldEvents(ref, held.feeUsage, cause, now));
  if (billing.heldReason === 'CAP_REACHED' && held.capUsage) events.push(...capHeldEvents(ref, held.capUsage, cause, now));
  if (billing.heldReason === 'FX_RATE_MISSING') events.push(...fxMissingEvents({ ...ref, legalEntityId: billing.legalEntityId, date: billing.date }, held.functionalCurrency, cause, now));
  return events;
}

export interface BillingModelsDeps {
  db: Kysely<ErpDatabase>;
  clock: Clock;
  /** psa's project through the gateway, read only when a milestone's event lacks its contract or erp its setup. */
  facts?: PostingFactsSource;
  /** The segregation rules in force (SEGREGATION_OF_DUTIES): `billing-holds` binds `releaseHeldBillingEvents`. */
  dutyRules?: readonly DutyRule[];
  onCommit: () => void;
}

/**
 * Fixed-fee billing and the contract terms it needs (DESIGN §2): completed milestones and released schedule lines
 * become billing events, once each; crm's amendments keep the setup's contract amount and cap current.
 */
export function createBillingModelsService(deps: BillingModelsDeps) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);

  const blockedOfSource = (cause: DomainEvent<unknown>, subject: { typename: string; id: string }, source: BillingBlocked['source'], contractId: string | null, blocked: Blocked) =>
    createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, subject, { contractId, code: blocked.code, reason: blocked.reason, source }, causedBy(cause), clock.now());

  return {
    /**
     * `psa.milestone.completed` → a MILESTONE billing event for its amount (planMilestoneBilling), once per event id
     * and once per milestone (a live event for it already: nothing more). psa's project is read through the gateway
     * first, outside the transaction, only when the event names no contract or erp has no setup for it.
     */
    async billMilestone(event: DomainEvent<MilestoneCompleted>): Promise<void> {
      const completed = event.data;
      const [knownSetup] = completed.contractId ? await repo.billingSetupsByContracts(db, [completed.contractId]) : [];
      const facts = !knownSetup && deps.facts ? await deps.facts.load({ projectId: completed.projectId, costRateOf: null }, { correlationId: event.correlationId }) : null;
      const applied = await handleOnce(db, erpConsumerGroups.milestones, event, async (trx) => {
        if (await repo.lockLiveBillingEvent(trx, 'MILESTONE', completed.milestoneId)) return;
        const contractId = completed.contractId ?? facts?.project?.contractId ?? null;
        const [setup] = contractId ? await repo.billingSetupsByContracts(trx, [contractId]) : [];
        const plan = planMilestoneBilling(
          {
            milestoneId: completed.milestoneId, projectId: completed.projectId, contractId, name: completed.name,
            amount: { amount: completed.amount, currency: completed.currency }, completedOn: completed.completedAt.slice(0, 10),
          },
          setup ? setupPostingFacts(setup) : null,
          facts?.project ?? null,
        );
        const events: DomainEvent<unknown>[] = [];
        if (plan.billing) events.push(...(await writeBillingEvent(trx, clock, plan.billing, causedBy(event))).events);
        const source = { type: 'MILESTONE' as const, id: completed.milestoneId, projectId: completed.projectId };
        events.push(...plan.blocked.map((blocked) => blockedOfSource(event, { typename: 'Milestone', id: completed.milestoneId }, source, contractId, blocked)));
        await appendToOutbox(trx, events);
      });
      if (applied) deps.onCommit();
    },

    /**
     * `crm.contract.amended` → the setup's contract amount (and cap, when the event carries it) follow crm's. Events
     * already billed stay as they are: a lowered cap (or fee) holds only what is billed after it. On a FIXED_FEE
     * contract the amount is the fee: what it held (FEE_EXCEEDED) and now admits is released at once
     * (releaseFeeHeld), in the same transaction — amending the fee is finance's decision to bill more.
     */
    async applyContractAmendment(event: DomainEvent<ContractAmended>): Promise<void> {
      const amended = event.data;
      const applied = await handleOnce(db, erpConsumerGroups.billingSetup, event, async (trx) => {
        const setup = await repo.lockBillingSetupByContract(trx, amended.contractId);
        if (!setup) return;
        await trx
          .updateTable('billing_setup')
          .set({
            contract_amount: amended.amount,
            ...(amended.notToExceed !== undefined ? { not_to_exceed: amended.notToExceed } : {}),
            updated_at: clock.now(),
          })
          .where('id', '=', setup.id)
          .execute();
        const terms = { ...setup, contract_amount: amended.amount, not_to_exceed: amended.notToExceed !== undefined ? amended.notToExceed : setup.not_to_exceed };
        await appendToOutbox(trx, (await releaseFeeHeld(trx, clock, terms, causedBy(event))).events);
      });
      if (applied) deps.onCommit();
    },

    /**
     * `crm.contract.updated` → the setup follows crm's cap. When the cap changed, what it now admits of the events it
     * held is released at once (releaseCapHeld: oldest first, never past it), in the same transaction: raising a cap
     * is finance's decision to bill more, so nothing waits for a second step. Idempotent on the event id.
     */
    async applyContractUpdate(event: DomainEvent<ContractUpdated>): Promise<void> {
      const updated = event.data;
      const applied = await handleOnce(db, erpConsumerGroups.billingSetup, event, async (trx) => {
        const setup = await repo.lockBillingSetupByContract(trx, updated.contractId);
        if (!setup) return;
        if (updated.changed.includes('fixedFeeMethod') && updated.fixedFeeMethod !== undefined) {
          await trx.updateTable('billing_setup').set({ fixed_fee_method: updated.fixedFeeMethod, updated_at: clock.now() }).where('id', '=', setup.id).execute();
        }
        if (!updated.changed.includes('notToExceed')) return;
        await trx.updateTable('billing_setup').set({ not_to_exceed: updated.notToExceed, updated_at: clock.now() }).where('id', '=', setup.id).execute();
        const released = await releaseCapHeld(trx, clock, { ...setup, not_to_exceed: updated.notToExceed }, causedBy(event));
        await appendToOutbox(trx, released.events);
      });
      if (applied) deps.onCommit();
    },

    /**
     * Releases the contract's events held by its fixed fee (releaseFeeHeld) and by its cap (releaseCapHeld) that they
     * admit now, e.g. after a reversal freed room; the rest stay HELD. Returns the released events (none: nothing
     * fits, or nothing is held). FINANCE, ADMIN.
     */
    async releaseHeldBillingEvents(scope: RequestScope, contractId: string, idempotencyKey?: string | null): Promise<string[]> {
      requireRole(scope.identity, 'FINANCE');
      return write(scope, 'releaseHeldBillingEvents', idempotencyKey, { contractId }, async (trx) => {
        const setup = await repo.lockBillingSetupByContract(trx, contractId);
        if (!setup) throw notFound('BillingSetup', contractId);
        const byFee = await releaseFeeHeld(trx, clock, setup, scope);
        const byCap = await releaseCapHeld(trx, clock, setup, scope);
        await assertNotOwnApprovals(scope.identity, deps.dutyRules ?? [], 'releaseHeldBillingEvents', async () =>
          (await repo.billingEventsByIds(trx, [...byFee.ids, ...byCap.ids])).map((event) => ({ billingEventId: event.id, approvedBy: event.basis?.approval?.approvedBy ?? null })),
        );
        await appendToOutbox(trx, [...byFee.events, ...byCap.events]);
        return [...byFee.ids, ...byCap.ids];
      });
    },

    /**
     * Sets a FIXED_FEE contract's billing schedule (checkSchedule): the given lines replace the lines not released
     * yet; released lines are billed and stay. FINANCE (and ADMIN) only.
     */
    async setBillingSchedule(scope: RequestScope, contractId: string, lines: readonly ScheduleLineInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      return write(scope, 'setBillingSchedule', idempotencyKey, { contractId, lines }, async (trx) => {
        const setup = await repo.lockBillingSetupByContract(trx, contractId);
        if (!setup) throw notFound('BillingSetup', contractId);
        const existing = await repo.scheduleLinesBySetups(trx, [setup.id]);
        const released = existing.filter((line) => line.released_at !== null);
        const checked = checkSchedule(lines, {
          billingMethod: setup.billing_method, currency: setup.currency, contractAmount: setup.contract_amount === null ? null : String(setup.contract_amount),
          released: [
            ...released.map((line) => String(line.amount)),
            await repo.feeAskedOfContract(trx, contractId, setup.currency, feeSourceTypes.filter((type) => type !== 'SCHEDULE')),
          ],
        });
        await trx.deleteFrom('billing_schedule_line').where('billing_setup_id', '=', setup.id).where('released_at', 'is', null).execute();
        const first = released.reduce((highest, line) => Math.max(highest, line.position), 0) + 1;
        const added = checked.map((line, index) => ({
          id: randomUUID(), billing_setup_id: setup.id, contract_id: contractId, position: first + index, date: line.date,
          description: line.description, amount: line.amount.amount, currency: line.amount.currency, billing_event_id: null, released_at: null,
        }));
        if (added.length > 0) await trx.insertInto('billing_schedule_line').values(added).execute();
        // The schedule as its lines' dates and amounts, before and after: released lines stay in both.
        type ScheduleRow = { position: number; date: string; description: string; amount: unknown; currency: string; released_at: Date | null };
        const scheduleOf = (rows: readonly ScheduleRow[]) =>
          rows.map((row) => ({
            position: row.position,
            date: row.date,
            description: row.description,
            amount: String(row.amount),
            currency: row.currency,
            released: row.released_at !== null,
          }));
        await recordAudit(trx, scope, {
          entityType: 'BillingSetup',
          entityId: setup.id,
          operation: 'setBillingSchedule',
          before: { schedule: scheduleOf(existing) },
          after: { schedule: scheduleOf([...released, ...added]) },
        });
        await trx.updateTable('billing_setup').set({ updated_at: clock.now() }).where('id', '=', setup.id).execute();
        return setup.id;
      });
    },

    /**
     * Releases the schedule lines due on or before `asOf` (of one contract, or of all): each becomes one billing
     * event of source SCHEDULE (source id = the line), under the cap like every event, and is marked released, so a
     * second run releases nothing. Returns the events created. FINANCE (and ADMIN) only; a scheduler calls the same.
     */
    async releaseScheduledBilling(scope: RequestScope, asOf: string, contractId: string | null, idempotencyKey?: string | null): Promise<string[]> {
      requireRole(scope.identity, 'FINANCE');
      checkDate('asOf', asOf);
      return write(scope, 'releaseScheduledBilling', idempotencyKey, { asOf, contractId }, async (trx) => {
        const due = await repo.lockDueScheduleLines(trx, asOf, contractId);
        if (due.length === 0 && contractId && !(await repo.contractKnown(trx, contractId))) throw notFound('Contract', contractId);
        if (due.length === 0) return [];
        const setups = new Map((await repo.billingSetupsByIds(trx, [...new Set(due.map((line) => line.billing_setup_id))])).map((setup) => [setup.id, setup]));
        const created: string[] = [];
        const events: DomainEvent<unknown>[] = [];
        for (const line of due) {
          const setup = setups.get(line.billing_setup_id)!;
          const written = await writeBillingEvent(trx, clock, {
            sourceType: 'SCHEDULE', sourceId: line.id, contractId: line.contract_id, projectId: null, customerId: setup.customer_id,
            legalEntityId: setup.legal_entity_id, workerId: null, roleId: null, taskId: null, date: line.date,
            description: `Scheduled: ${line.description}`, hours: null, rate: null, amount: String(line.amount), currency: line.currency, heldReason: null,
          }, scope);
          await trx.updateTable('billing_schedule_line').set({ billing_event_id: written.id, released_at: clock.now() }).where('id', '=', line.id).execute();
          created.push(written.id);
          events.push(...written.events);
        }
        await appendToOutbox(trx, events);
        return created;
      });
    },
  };
}

export type BillingModelsService = ReturnType<typeof createBillingModelsService>;

/** Subscribes the milestone consumer (group `erp.milestones`). */
export async function subscribeBillingModels(bus: EventBus, service: BillingModelsService): Promise<Subscription[]> {
  return [
    await bus.subscribe({
      group: erpConsumerGroups.milestones,
      types: [milestoneCompletedTopic],
      handler: (event) => service.billMilestone(event as unknown as DomainEvent<MilestoneCompleted>),
    }),
  ];
}
