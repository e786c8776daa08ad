import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { recordAudit } from '../../lib/audit/record.ts';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { badInput, notFound } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { writeBillingEvent } from './billing-models.ts';
import { sumDecimals } from './domain/money.ts';
import type { PlannedBilling } from './domain/posting.ts';
import { writeBillingEvents, type BatchedBilling } from './billing-event-batch.ts';
import {
  checkRecurringTerms,
  closingMonth,
  coversMonth,
  isPositive,
  isRecurringMethod,
  monthOfDate,
  overageToBill,
  overrunAwaitsFee,
  reapplyDrawdowns,
  retainerBalance,
  splitDrawdown,
  splitDrawdownHours,
  type BillingMonth,
  type PlannedUsage,
  type RecurringTerms,
  type RecurringTermsInput,
  type RetainerBalance,
} from './domain/recurring-billing.ts';
import { erpTopics, type BillingBlocked, type BillingEventReversed } from './events.ts';
import * as repo from './repository.ts';
import type { BillingSetupRow, CostSourceType, ErpDatabase, RecurringUsageRow } from './tables.ts';

/** A setup's recurring terms as stored; null until finance set them (or for another method). */
export function recurringTermsOf(setup: BillingSetupRow): RecurringTerms | null {
  if (!isRecurringMethod(setup.billing_method) || setup.recurring_fee === null) return null;
  const money = (amount: string | null) => (amount === null ? null : { amount: String(amount), currency: setup.currency });
  return {
    fee: money(setup.recurring_fee)!,
    includedHours: setup.included_hours === null ? null : String(setup.included_hours),
    overageRate: money(setup.overage_rate),
    overrunPolicy: setup.overrun_policy,
  };
}

/** A RETAINER setup's running balance from its summed rows (`repo.retainerSumsBySetups`); null for other methods. */
export function retainerBalanceOf(
  setup: BillingSetupRow,
  sums: { fees_billed: string; drawn: string; drawn_hours: string; overrun: string; overrun_hours: string } | undefined,
): RetainerBalance | null {
  if (setup.billing_method !== 'RETAINER') return null;
  return retainerBalance(setup.currency, {
    feesBilled: String(sums?.fees_billed ?? '0'), drawn: String(sums?.drawn ?? '0'), drawnHours: String(sums?.drawn_hours ?? '0'),
    overrun: String(sums?.overrun ?? '0'), overrunHours: String(sums?.overrun_hours ?? '0'),
  });
}

/**
 * Records approved billable time on a recurring contract (planPosting's `usage`), once per source while it stands:
 * a managed-services contract counts its hours when the month is closed; a retainer draws its balance down by the
 * entry's value at once, under a lock on the setup, and what the balance cannot cover (the overrun) becomes an
 * OVERAGE billing event (writeOverrun). While the entry's month's fee is not billed yet (an approval before the period
 * close), the overrun is provisional: HELD AWAITING_RETAINER_FEE, and drawn again from the fee when it is billed
 * (reapplyDrawdownsAwaitingFee), so approvals and the close may come in either order.
 */
export async function recordRecurringUsage(trx: Transaction<ErpDatabase>, clock: Clock, usage: PlannedUsage, cause: EventCause): Promise<DomainEvent<unknown>[]> {
  const setup = await repo.lockBillingSetupByContract(trx, usage.contractId);
  if (!setup || (await repo.lockLiveRecurringUsage(trx, usage.sourceType, usage.sourceId))) return [];
  const id = randomUUID();
  const now = clock.now();
  let split: { drawn: string; overrun: string; drawnHours: string; overrunHours: string } | null = null;
  let awaitsFee = false;
  if (usage.billingMethod === 'RETAINER' && usage.amount !== null) {
    const [sums] = await repo.retainerSumsBySetups(trx, [setup.id]);
    const drawdown = splitDrawdown(usage.amount, retainerBalanceOf(setup, sums)!.remaining.amount, usage.currency);
    split = { ...drawdown, ...splitDrawdownHours(usage.hours, drawdown.drawn, usage.amount) };
    if (isPositive(drawdown.overrun)) {
      const month = monthOfDate(usage.date);
      const feeBilled = Boolean(await repo.lockLiveBillingEvent(trx, 'RETAINER', feeSourceId(setup.id, month)));
      awaitsFee = overrunAwaitsFee({ startDate: setup.start_date, endDate: setup.end_date }, month, feeBilled);
    }
  }
  const row = {
    id, billing_setup_id: setup.id, contract_id: usage.contractId, billing_method: usage.billingMethod, source_type: usage.sourceType,
    source_id: usage.sourceId, project_id: usage.projectId, worker_id: usage.workerId, date: usage.date, hours: usage.hours, rate: usage.rate,
    amount: usage.amount, drawn: split?.drawn ?? null, overrun: split?.overrun ?? null, drawn_hours: split?.drawnHours ?? null,
    overrun_hours: split?.overrunHours ?? null, currency: usage.currency, overage_billing_event_id: null, reversed_at: null, created_at: now,
  };
  await trx.insertInto('recurring_usage').values(row).execute();
  if (!split || !isPositive(split.overrun)) return [];
  return writeOverrun(trx, clock, setup, row, split.overrun, awaitsFee, cause);
}

/**
 * `recordRecurringUsage` for a batch of approvals (posting-batch.ts), in their order, answers in the order of `usages`,
 * in a constant number of statements: the setups locked, the sources' standing usage locked, the retainers' sums, the
 * months' fees, the overruns' billing events (billing-event-batch.ts: the cap faced in order), the usage rows. Each
 * drawdown draws on the balance the ones before it in the batch left (kept in memory, as the sums would read).
 */
export async function recordRecurringUsages(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  usages: ReadonlyArray<{ usage: PlannedUsage; cause: EventCause }>,
): Promise<DomainEvent<unknown>[][]> {
  if (usages.length === 0) return [];
  const setups = new Map((await repo.lockBillingSetupsByContracts(trx, [...new Set(usages.map(({ usage }) => usage.contractId))])).map((setup) => [setup.contract_id, setup]));
  const standing = new Set((await repo.lockLiveRecurringUsages(trx, usages.map(({ usage }) => usage.sourceId))).map((row) => row.source_id));
  const drawsDown = (usage: PlannedUsage) => usage.billingMethod === 'RETAINER' && usage.amount !== null;
  const retainerIds = [...new Set(usages.flatMap(({ usage }) => (drawsDown(usage) && setups.has(usage.contractId) ? [setups.get(usage.contractId)!.id] : [])))];
  const sums = new Map((retainerIds.length > 0 ? await repo.retainerSumsBySetups(trx, retainerIds) : []).map((row) => [row.billing_setup_id, row]));
  // Whether each drawdown's month has its fee billed (an overrun before it is provisional): one read for all.
  const months = [...new Set(usages.flatMap(({ usage }) => (drawsDown(usage) && setups.has(usage.contractId) ? [feeSourceId(setups.get(usage.contractId)!.id, monthOfDate(usage.date))] : [])))];
  const feesBilled = new Set((await repo.lockLiveBillingEvents(trx, ['RETAINER'], months)).map((row) => row.source_id));
  const now = clock.now();
  const rows: Array<Insertable<ErpDatabase['recurring_usage']>> = [];
  /** Overruns to bill, with the usage row each belongs to and its position in `usages`. */
  const overruns: Array<BatchedBilling & { row: Insertable<ErpDatabase['recurring_usage']>; index: number }> = [];
  const events: DomainEvent<unknown>[][] = usages.map(() => []);
  for (const [index, { usage, cause }] of usages.entries()) {
    const setup = setups.get(usage.contractId);
    if (!setup || standing.has(usage.sourceId)) continue;
    standing.add(usage.sourceId);
    let split: { drawn: string; overrun: string; drawnHours: string; overrunHours: string } | null = null;
    let awaitsFee = false;
    if (drawsDown(usage)) {
      const held = sums.get(setup.id);
      const drawdown = splitDrawdown(usage.amount!, retainerBalanceOf(setup, held)!.remaining.amount, usage.currency);
      split = { ...drawdown, ...splitDrawdownHours(usage.hours, drawdown.drawn, usage.amount!) };
      if (isPositive(drawdown.overrun)) {
        const month = monthOfDate(usage.date);
        awaitsFee = overrunAwaitsFee({ startDate: setup.start_date, endDate: setup.end_date }, month, feesBilled.has(feeSourceId(setup.id, month)));
      }
      // The next drawdown on this retainer draws on what this one left.
      const add = (column: 'drawn' | 'drawn_hours' | 'overrun' | 'overrun_hours', value: string) => sumDecimals([String(held?.[column] ?? '0'), value]);
      sums.set(setup.id, {
        billing_setup_id: setup.id, fees_billed: String(held?.fees_billed ?? '0'), drawn: add('drawn', split.drawn), drawn_hours: add('drawn_hours', split.drawnHours),
        overrun: add('overrun', split.overrun), overrun_hours: add('overrun_hours', split.overrunHours),
      });
    }
    const row = {
      id: randomUUID(), billing_setup_id: setup.id, contract_id: usage.contractId, billing_method: usage.billingMethod, source_type: usage.sourceType,
      source_id: usage.sourceId, project_id: usage.projectId, worker_id: usage.workerId, date: usage.date, hours: usage.hours, rate: usage.rate,
      amount: usage.amount, drawn: split?.drawn ?? null, overrun: split?.overrun ?? null, drawn_hours: split?.drawnHours ?? null,
      overrun_hours: split?.overrunHours ?? null, currency: usage.currency, overage_billing_event_id: null as string | null, reversed_at: null, created_at: now,
    };
    rows.push(row);
    if (split && isPositive(split.overrun)) overruns.push({ planned: overrunBilling(setup, row, split.overrun, awaitsFee), cause, row, index });
  }
  // The overruns' OVERAGE billing events first (the cap faced in order), then the usage rows pointing at them.
  const written = await writeBillingEvents(trx, clock, overruns);
  for (const [position, { planned, cause, row, index }] of overruns.entries()) {
    row.overage_billing_event_id = written[position].id;
    events[index] = overrunAnnouncements(row as OverrunUsage, planned, written[position], cause, now);
  }
  if (rows.length > 0) await trx.insertInto('recurring_usage').values(rows).execute();
  return events;
}

/**
 * A retainer drawdown's overrun as an OVERAGE billing event on its time entry (source id = the entry's id; no hours
 * or rate: it is part of an entry), through writeBillingEvent (the cap applies): HELD AWAITING_RETAINER_FEE while the
 * month's fee is not billed; else UNBILLED when the terms say BILL, HELD RETAINER_OVERRUN when they say HOLD (or none
 * yet). A held one is announced by `erp.billing.blocked` with its reason. The usage row points at it.
 */
async function writeOverrun(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  setup: BillingSetupRow,
  usage: OverrunUsage,
  overrun: string,
  awaitsFee: boolean,
  cause: EventCause,
): Promise<DomainEvent<unknown>[]> {
  const planned = overrunBilling(setup, usage, overrun, awaitsFee);
  const written = await writeBillingEvent(trx, clock, planned, cause);
  await trx.updateTable('recurring_usage').set({ overage_billing_event_id: written.id }).where('id', '=', usage.id).execute();
  return overrunAnnouncements(usage, planned, written, cause, clock.now());
}

type OverrunUsage = Pick<RecurringUsageRow, 'id' | 'source_id' | 'contract_id' | 'project_id' | 'worker_id' | 'date' | 'hours' | 'amount' | 'currency'>;

/** The OVERAGE billing event of a drawdown's overrun (writeOverrun's rule, also the batch's). */
function overrunBilling(setup: BillingSetupRow, usage: OverrunUsage, overrun: string, awaitsFee: boolean): PlannedBilling {
  const heldReason = awaitsFee ? ('AWAITING_RETAINER_FEE' as const) : setup.overrun_policy !== 'BILL' ? ('RETAINER_OVERRUN' as const) : null;
  return {
    sourceType: 'OVERAGE', sourceId: usage.source_id, contractId: usage.contract_id, projectId: usage.project_id, customerId: setup.customer_id,
    legalEntityId: setup.legal_entity_id, workerId: usage.worker_id, roleId: null, taskId: null, date: usage.date,
    description: `Retainer overrun ${usage.date}: ${usage.hours} h worth ${usage.amount} ${usage.currency}, ${overrun} beyond the balance`,
    hours: null, rate: null, amount: overrun, currency: usage.currency, heldReason,
  };
}

/** An overrun's announcements: its billing event's, and `erp.billing.blocked` when it was planned HELD. */
function overrunAnnouncements(usage: OverrunUsage, planned: PlannedBilling, written: { id: string; events: DomainEvent<unknown>[] }, cause: EventCause, now: Date): DomainEvent<unknown>[] {
  const heldReason = planned.heldReason;
  if (!heldReason) return written.events;
  const need = `time entry ${usage.source_id} needs ${usage.amount} ${usage.currency} of contract ${usage.contract_id}'s retainer, ${planned.amount} beyond its balance`;
  const reason = heldReason === 'AWAITING_RETAINER_FEE'
    ? `${need}, before ${usage.date.slice(0, 7)}'s fee is billed: the overrun is held and drawn from the fee when the period close bills it`
    : `${need}: the overrun is held for review`;
  return [
    ...written.events,
    createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, { typename: 'BillingEvent', id: written.id }, {
      contractId: usage.contract_id, code: heldReason as 'AWAITING_RETAINER_FEE' | 'RETAINER_OVERRUN', reason, source: { type: 'OVERAGE', id: usage.source_id, projectId: usage.project_id },
    }, cause, now),
  ];
}

/**
 * Once a retainer's fees are billed, draws the provisional overruns of the months that now have theirs
 * (reapplyDrawdowns: in approval order, against the balance as it now stands): each held AWAITING_RETAINER_FEE event
 * is REVERSED (`erp.billing_event.reversed`, cause RETAINER_FEE_BILLED) and what still overruns, if anything, is
 * written again as the final overrun (writeOverrun). The caller holds the setup's lock.
 */
export async function reapplyDrawdownsAwaitingFee(trx: Transaction<ErpDatabase>, clock: Clock, setup: BillingSetupRow, cause: EventCause): Promise<DomainEvent<unknown>[]> {
  const waiting = await repo.lockDrawdownsAwaitingFee(trx, setup.id);
  if (waiting.length === 0) return [];
  const fees = await repo.liveFeeSourceIds(trx, setup.contract_id, 'RETAINER');
  const due = waiting.filter((usage) => fees.has(feeSourceId(setup.id, monthOfDate(usage.date))));
  if (due.length === 0) return [];
  const [sums] = await repo.retainerSumsBySetups(trx, [setup.id]);
  const { drawdowns } = reapplyDrawdowns(
    due.map((usage) => ({
      id: usage.id, hours: String(usage.hours), amount: String(usage.amount), drawn: String(usage.drawn), overrun: String(usage.overrun),
    })),
    retainerBalanceOf(setup, sums)!.remaining.amount,
    setup.currency,
  );
  const now = clock.now();
  const events: DomainEvent<unknown>[] = [];
  for (const [index, drawdown] of drawdowns.entries()) {
    const usage = due[index];
    await trx.updateTable('billing_event').set({ status: 'REVERSED', held_reason: null, reversed_at: now, updated_at: now }).where('id', '=', usage.overage_event_id).execute();
    events.push(
      createEvent<BillingEventReversed>('erp', erpTopics.billingEventReversed, { typename: 'BillingEvent', id: usage.overage_event_id }, {
        billingEventId: usage.overage_event_id, sourceType: 'OVERAGE', sourceId: usage.source_id, contractId: usage.contract_id, projectId: usage.project_id,
        amount: { amount: String(usage.overage_amount), currency: usage.currency }, cause: 'RETAINER_FEE_BILLED', removedFromInvoiceId: null,
      }, cause, now),
    );
    await trx
      .updateTable('recurring_usage')
      .set({
        drawn: drawdown.drawn, overrun: drawdown.overrun, drawn_hours: drawdown.drawnHours, overrun_hours: drawdown.overrunHours,
        overage_billing_event_id: null,
      })
      .where('id', '=', usage.id)
      .execute();
    if (isPositive(drawdown.overrun)) events.push(...(await writeOverrun(trx, clock, setup, usage, drawdown.overrun, false, cause)));
  }
  return events;
}

/**
 * A source's approval was taken back: its recorded usage stops counting (a managed-services month's hours, a
 * retainer's drawdown returns to the balance). Its OVERAGE billing event, if any, is reversed by the posting
 * consumer like the source's own (posting.ts). Nothing is deleted.
 */
export async function reverseRecurringUsage(trx: Transaction<ErpDatabase>, clock: Clock, sourceType: CostSourceType, sourceId: string): Promise<void> {
  const usage = await repo.lockLiveRecurringUsage(trx, sourceType, sourceId);
  if (usage) await trx.updateTable('recurring_usage').set({ reversed_at: clock.now() }).where('id', '=', usage.id).execute();
}

/** The source id of a setup's fee (RECURRING_FEE or RETAINER) for a month: one per contract and month. */
export const feeSourceId = (setupId: string, month: BillingMonth) => `${setupId}:${month.period}`;

/**
 * Recurring billing (DESIGN §2): the terms of MANAGED_SERVICES and RETAINER contracts, and the period close that
 * bills their fees and managed-services overage. FINANCE (and ADMIN) only.
 */
export function createRecurringBillingService(deps: { db: Kysely<ErpDatabase>; clock: Clock; onCommit: () => void }) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);

  /** Writes a billing event of the setup (no project, no worker), dated `date`; returns its id and announcements. */
  const bill = (trx: Transaction<ErpDatabase>, setup: BillingSetupRow, cause: EventCause, event: { sourceType: 'RECURRING_FEE' | 'RETAINER' | 'OVERAGE'; sourceId: string; date: string; description: string; hours: string | null; rate: string | null; amount: string }) =>
    writeBillingEvent(trx, clock, {
      ...event, contractId: setup.contract_id, projectId: null, customerId: setup.customer_id, legalEntityId: setup.legal_entity_id,
      workerId: null, roleId: null, taskId: null, currency: setup.currency, heldReason: null,
    }, cause);

  /** A fee for the month unless its source has a live event already (a re-run bills nothing twice). */
  async function billFee(trx: Transaction<ErpDatabase>, setup: BillingSetupRow, terms: RecurringTerms, month: BillingMonth, date: string, cause: EventCause) {
    const sourceType = setup.billing_method === 'RETAINER' ? ('RETAINER' as const) : ('RECURRING_FEE' as const);
    const sourceId = feeSourceId(setup.id, month);
    if (await repo.lockLiveBillingEvent(trx, sourceType, sourceId)) return null;
    const label = sourceType === 'RETAINER' ? 'Retainer' : 'Managed services fee';
    return bill(trx, setup, cause, { sourceType, sourceId, date, description: `${label} ${month.period}`, hours: null, rate: null, amount: terms.fee.amount });
  }

  /** The month's overage still due (overageToBill), as one more OVERAGE event of the month. */
  async function billOverage(trx: Transaction<ErpDatabase>, setup: BillingSetupRow, terms: RecurringTerms, month: BillingMonth, cause: EventCause) {
    const prefix = `${feeSourceId(setup.id, month)}:`;
    const earlier = await repo.overageEventsOf(trx, setup.contract_id, prefix);
    const due = overageToBill({
      approvedHours: await repo.liveUsageHours(trx, setup.contract_id, month.start, month.end),
      includedHours: terms.includedHours!, overageHoursBilled: earlier.liveHours, overageRate: terms.overageRate!,
    });
    if (!due) return null;
    return bill(trx, setup, cause, {
      sourceType: 'OVERAGE', sourceId: `${prefix}${earlier.count + 1}`, date: month.end,
      description: `Overage ${month.period}: ${due.hours} h above ${terms.includedHours} included`, hours: due.hours, rate: terms.overageRate!.amount, amount: due.amount.amount,
    });
  }

  return {
    /** Sets a MANAGED_SERVICES or RETAINER contract's terms (checkRecurringTerms); later period closes use them. */
    async setRecurringTerms(scope: RequestScope, contractId: string, input: RecurringTermsInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      return write(scope, 'setRecurringTerms', idempotencyKey, { contractId, input }, async (trx) => {
        const setup = await repo.lockBillingSetupByContract(trx, contractId);
        if (!setup) throw notFound('BillingSetup', contractId);
        const terms = checkRecurringTerms(input, { billingMethod: setup.billing_method, currency: setup.currency });
        const recurring = {
          recurring_fee: terms.fee.amount, included_hours: terms.includedHours, overage_rate: terms.overageRate?.amount ?? null,
          overrun_policy: terms.overrunPolicy,
        };
        await trx.updateTable('billing_setup').set({ ...recurring, updated_at: clock.now() }).where('id', '=', setup.id).execute();
        const after = { ...setup, ...recurring };
        await recordAudit(trx, scope, { entityType: 'BillingSetup', entityId: setup.id, operation: 'setRecurringTerms', before: setup, after });
        return setup.id;
      });
    },

    /**
     * Closes a calendar month (`periodEnd` its last day) for one recurring contract or all with terms, in one
     * transaction, each setup locked:
     * - MANAGED_SERVICES (a contract covering the month): its fee (RECURRING_FEE, source "<setup>:<YYYY-MM>", once)
     *   and, when the month's standing approved hours exceed the included ones, the OVERAGE not billed yet
     *   (overageToBill: a re-run after late approvals bills the additional hours only, as one more event);
     * - RETAINER: the next month's fee in advance (RETAINER, source "<setup>:<YYYY-MM>" of that month, once), and the
     *   closing month's when it was never billed (a first period, a missed run); fees are dated `periodEnd`.
     * Every event goes through writeBillingEvent (the cap). Returns the billing events created (none on a re-run).
     */
    async runRecurringBilling(scope: RequestScope, periodEnd: string, contractId: string | null, idempotencyKey?: string | null): Promise<string[]> {
      requireRole(scope.identity, 'FINANCE');
      const { month, next } = closingMonth(periodEnd);
      return write(scope, 'runRecurringBilling', idempotencyKey, { periodEnd, contractId }, async (trx) => {
        if (contractId) {
          const setup = await repo.lockBillingSetupByContract(trx, contractId);
          if (!setup) throw notFound('BillingSetup', contractId);
          if (!recurringTermsOf(setup)) {
            throw badInput('contractId', isRecurringMethod(setup.billing_method) ? `contract ${contractId} has no recurring terms yet` : `contract ${contractId} is ${setup.billing_method}, not recurring`);
          }
        }
        const created: string[] = [];
        const events: DomainEvent<unknown>[] = [];
        const keep = (written: { id: string; events: DomainEvent<unknown>[] } | null) => {
          if (!written) return;
          created.push(written.id);
          events.push(...written.events);
        };
        for (const setup of await repo.lockRecurringSetups(trx, contractId)) {
          const terms = recurringTermsOf(setup)!;
          const contract = { startDate: setup.start_date, endDate: setup.end_date };
          if (setup.billing_method === 'MANAGED_SERVICES') {
            if (!coversMonth(contract, month)) continue;
            keep(await billFee(trx, setup, terms, month, month.end, scope));
            keep(await billOverage(trx, setup, terms, month, scope));
          } else {
            for (const period of [month, next]) if (coversMonth(contract, period)) keep(await billFee(trx, setup, terms, period, periodEnd, scope));
            events.push(...(await reapplyDrawdownsAwaitingFee(trx, clock, setup, scope)));
          }
        }
        await appendToOutbox(trx, events);
        return created;
      });
    },
  };
}

export type RecurringBillingService = ReturnType<typeof createRecurringBillingService>;
