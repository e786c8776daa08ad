import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { isoDate, type Clock } from '../../lib/clock.ts';
import type { ColumnTypes } from '../../lib/db/insert-by-columns.ts';
import { toJson } from '../../lib/db/types.ts';
import { causedBy, createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox, handleOnce } from '../../lib/events/outbox.ts';
import { timeTopics, type TimeEntryApprovalCancelled, type TimeEntryApproved, type TimeEntryCorrected, type TimeEntryRejected } from '../time/index.ts';
import type { ExpenseApprovalCancelled, ExpenseApproved, ExpenseRejected } from '../time/events.ts';
import { setupPostingFacts, writeBillingEvent } from './billing-models.ts';
import { proposeReversalCredit } from './credit-notes.ts';
import { planPosting, reversalOf, type ApprovedSource, type BillingBlockedCode, type Blocked, type PlannedBilling, type PlannedCost } from './domain/posting.ts';
import { erpConsumerGroups, erpTopics, type BillingBlocked, type BillingEventReversed, type BillingReversalCause } from './events.ts';
import { reallocateDraft } from './group-rounding.ts';
import type { PostingFactsSource } from './posting-facts.ts';
import { recordRecurringUsage, reverseRecurringUsage } from './recurring-billing.ts';
import * as repo from './repository.ts';
import type { CostSourceType, ErpDatabase } from './tables.ts';


/** The blocked codes that concern the cost posting (the others concern the billing event, NO_PROJECT both). */
const costCodes: ReadonlySet<BillingBlockedCode> = new Set(['NO_LEGAL_ENTITY', 'NO_COST_RATE']);

const subjectType: Readonly<Record<CostSourceType, string>> = { TIME_ENTRY: 'TimeEntry', EXPENSE: 'ExpenseEntry' };

export interface PostingDeps {
  db: Kysely<ErpDatabase>;
  clock: Clock;
  facts: PostingFactsSource;
  onCommit: () => void;
}

/**
 * Project accounting from time's approvals (DESIGN §4.3, §4.5): an approval posts cost and, when billable, a billing
 * event; taking an approval back reverses them. Every event applies once (`handleOnce` on its id) and the database
 * holds one live cost posting and one live billing event per source, whatever the replays.
 */
/** The cost posting row of a planned cost (the posting consumer's and the seed's one mapping). */
export const costPostingRow = (cost: PlannedCost, postedAt: Date) => ({
  id: randomUUID(), source_type: cost.sourceType, source_id: cost.sourceId, worker_id: cost.workerId, project_id: cost.projectId,
  legal_entity_id: cost.legalEntityId, date: cost.date, hours: cost.hours, cost_rate: cost.costRate, amount: cost.amount,
  currency: cost.currency, reversal_of: null, reversed_at: null, covered_by_fee: cost.coveredByFee ?? false, posted_at: postedAt, updated_at: postedAt,
  basis: cost.basis ? toJson(cost.basis) : null,
});

/** The types of `costPostingRow`'s columns, for a batch's insert by columns (lib/db/insert-by-columns.ts). */
export const costPostingColumns: ColumnTypes<ReturnType<typeof costPostingRow>> = {
  id: 'text', source_type: 'text', source_id: 'text', worker_id: 'text', project_id: 'text', legal_entity_id: 'text', date: 'date',
  hours: 'numeric', cost_rate: 'numeric', amount: 'numeric', currency: 'text', reversal_of: 'text', reversed_at: 'timestamptz',
  covered_by_fee: 'bool', posted_at: 'timestamptz', updated_at: 'timestamptz', basis: 'jsonb',
};

/** `erp.billing.blocked` for a time entry or expense, caused by `cause`. */
export const sourceBlockedEvent = (
  cause: DomainEvent<unknown>,
  source: { type: CostSourceType; id: string; projectId: string | null },
  contractId: string | null,
  blocked: Blocked,
  now: Date,
) =>
  createEvent<BillingBlocked>(
    'erp',
    erpTopics.billingBlocked,
    { typename: subjectType[source.type], id: source.id },
    { contractId, code: blocked.code, reason: blocked.reason, source },
    causedBy(cause),
    now,
  );

/**
 * What of a plan's blocked facts a posting reports: only those of the parts not live yet (a source whose cost stands
 * is not told again it has no cost rate), NO_PROJECT always.
 */
export const reportedBlocks = (blocked: readonly Blocked[], live: { cost: boolean; billing: boolean }) =>
  blocked.filter((each) => (costCodes.has(each.code) ? !live.cost : each.code === 'NO_PROJECT' || !live.billing));

/** An approval's source as erp posts it; null for every other event. */
export function approvedSourceOf(event: DomainEvent): ApprovedSource | null {
  switch (event.type) {
    case timeTopics.entryApproved: {
      // time freezes the bill rate at approval. An event without it (published before rates were frozen) gets no
      // rate of erp's own: its billing event is HELD (NO_RATE) for finance.
      const entry = event.data as unknown as TimeEntryApproved;
      return {
        sourceType: 'TIME_ENTRY', sourceId: entry.timeEntryId, workerId: entry.workerId, projectId: entry.projectId, taskId: entry.taskId,
        roleId: entry.roleId, date: entry.date, hours: entry.hours, billable: entry.billable, billRate: entry.billRate ?? null,
        billRateRule: entry.billRateRule ?? null, invoicedExternally: entry.invoicedExternally === true,
        approval: { approvedBy: entry.approvedBy, approvedAt: entry.approvedAt },
      };
    }
    case timeTopics.expenseApproved: {
      const expense = event.data as unknown as ExpenseApproved;
      return {
        sourceType: 'EXPENSE', sourceId: expense.expenseId, workerId: expense.workerId, projectId: expense.projectId, date: expense.date,
        amount: { amount: expense.amount, currency: expense.currency }, category: expense.category, billable: expense.billable,
        approval: { approvedBy: expense.approvedBy, approvedAt: expense.approvedAt },
      };
    }
    default:
      return null;
  }
}

/** An approval published before its source's date (see `reportNotYetWorked`). */
export const approvedBeforeWorked = (event: DomainEvent<unknown>, source: ApprovedSource) => source.date > isoDate(new Date(event.occurredAt));

/** What a posting asks the graph for a source: its project, and a time entry's cost rate on its date. */
export const postingFactsRequestOf = (source: ApprovedSource) => ({
  projectId: source.projectId,
  costRateOf: source.sourceType === 'TIME_ENTRY' ? { workerId: source.workerId, date: source.date } : null,
});

export function createPostingService(deps: PostingDeps) {
  const { db, clock } = deps;

  const blockedEvent = (cause: DomainEvent<unknown>, source: { type: CostSourceType; id: string; projectId: string | null }, contractId: string | null, blocked: Blocked) =>
    sourceBlockedEvent(cause, source, contractId, blocked, clock.now());

  /** The cost posting; a time entry recorded as uncosted before (no rate then) is costed from now on. */
  async function insertCost(trx: Transaction<ErpDatabase>, cost: PlannedCost) {
    await trx.insertInto('cost_posting').values(costPostingRow(cost, clock.now())).execute();
    if (cost.sourceType !== 'TIME_ENTRY') return;
    await trx
      .updateTable('uncosted_time')
      .set({ costed_at: clock.now() })
      .where('source_id', '=', cost.sourceId)
      .where('costed_at', 'is', null)
      .where('reversed_at', 'is', null)
      .execute();
  }

  /**
   * Approved time without a cost rate: recorded (once while it stands) so its hours still count as progress and
   * reconciliation reports it (MISSING_COST_RATE), rather than leaving only an `erp.billing.blocked` behind.
   */
  async function recordUncosted(trx: Transaction<ErpDatabase>, source: ApprovedSource & { sourceType: 'TIME_ENTRY' }) {
    if (await repo.lockLiveUncostedTime(trx, source.sourceId)) return;
    await trx
      .insertInto('uncosted_time')
      .values({
        id: randomUUID(), source_id: source.sourceId, worker_id: source.workerId, project_id: source.projectId, date: source.date,
        hours: source.hours, recorded_at: clock.now(), costed_at: null, reversed_at: null,
      })
      .execute();
  }

  /** The billing event (with its announcements, the contract's cap checked: billing-models.ts). */
  const insertBilling = async (trx: Transaction<ErpDatabase>, billing: PlannedBilling, cause: DomainEvent<unknown>) =>
    (await writeBillingEvent(trx, clock, billing, causedBy(cause))).events;

  /**
   * time approves nothing dated after its day (FUTURE_DATE), so an approval published before its source's date (by
   * time before that rule, or republished too early) posts and bills nothing: `erp.billing.blocked` NOT_YET_WORKED says
   * so, and reconciliation keeps finding the approval without its cost posting until it is republished from its date.
   */
  async function reportNotYetWorked(event: DomainEvent<unknown>, source: ApprovedSource): Promise<void> {
    const reason = `${source.sourceId} is dated ${source.date}, after its approval was published (${event.occurredAt}): nothing is posted or billed before the work is done`;
    const ref = { type: source.sourceType, id: source.sourceId, projectId: source.projectId };
    const applied = await handleOnce(db, erpConsumerGroups.posting, event, (trx) =>
      appendToOutbox(trx, [blockedEvent(event, ref, null, { code: 'NOT_YET_WORKED', reason })]),
    );
    if (applied) deps.onCommit();
  }

  /**
   * Posts an approved source. The outside facts (psa's project, hcm's cost rate) are read through the graph first,
   * outside the transaction; what is already live for the source (the same approval delivered under another event
   * id) is not written again.
   */
  async function post(event: DomainEvent<unknown>, source: ApprovedSource): Promise<void> {
    if (approvedBeforeWorked(event, source)) return reportNotYetWorked(event, source);
    const outside = await deps.facts.load(postingFactsRequestOf(source), { correlationId: event.correlationId });
    const applied = await handleOnce(db, erpConsumerGroups.posting, event, async (trx) => {
      const liveCost = await repo.lockLiveCostPosting(trx, source.sourceType, source.sourceId);
      const liveEvent = await repo.lockLiveBillingEvent(trx, source.sourceType, source.sourceId);
      if (liveCost && (liveEvent || !source.billable)) return;
      const contractId = outside.project?.contractId ?? null;
      const [setup] = contractId ? await repo.billingSetupsByContracts(trx, [contractId]) : [];
      const plan = planPosting(source, { ...outside, setup: setup ? setupPostingFacts(setup) : null });
      const events: DomainEvent<unknown>[] = [];
      // Only the parts not live yet are written (and only their missing facts reported): a source whose billing event
      // stayed on an issued invoice when its approval was taken back gets its cost again, and stays billed once.
      if (plan.cost && !liveCost) await insertCost(trx, plan.cost);
      const noCostRate = plan.blocked.some((blocked) => blocked.code === 'NO_COST_RATE');
      if (!plan.cost && !liveCost && noCostRate && source.sourceType === 'TIME_ENTRY') await recordUncosted(trx, source);
      if (plan.billing && !liveEvent) events.push(...(await insertBilling(trx, plan.billing, event)));
      // Time on a recurring contract: counted or drawn down instead of billed (once per source: recurring-billing.ts).
      if (plan.usage) events.push(...(await recordRecurringUsage(trx, clock, plan.usage, causedBy(event))));
      const ref = { type: source.sourceType, id: source.sourceId, projectId: source.projectId };
      const reported = reportedBlocks(plan.blocked, { cost: liveCost !== undefined, billing: liveEvent !== undefined });
      events.push(...reported.map((blocked) => blockedEvent(event, ref, contractId, blocked)));
      await appendToOutbox(trx, events);
    });
    if (applied) deps.onCommit();
  }

  /**
   * Takes a draft invoice's line off it: the draft's groups are shared out again without it and its totals recomputed
   * (tax at the rate it carries; group-rounding.ts).
   */
  async function removeFromDraft(trx: Transaction<ErpDatabase>, lineId: string, invoiceId: string) {
    const invoice = await repo.lockInvoice(trx, invoiceId);
    await trx.deleteFrom('invoice_line').where('id', '=', lineId).execute();
    await reallocateDraft(trx, invoice, clock.now());
  }

  /**
   * Reverses what an approval posted (DESIGN §4.5): the live cost posting gets a reversal posting (negated hours and
   * amount, `reversal_of` → it; it gets `reversed_at`; nothing is deleted). The live billing event, when UNBILLED or
   * HELD, becomes REVERSED; when on a DRAFT invoice, its line leaves the draft (totals recomputed) and it becomes
   * REVERSED; when on an issued invoice it stays BILLED, a credit note for its line is proposed (a DRAFT: credit-notes.ts)
   * and `erp.billing.blocked` (INVOICED_SOURCE_REVERSED) asks finance to issue it. A source with nothing live is left alone.
   */
  async function reverse(event: DomainEvent<unknown>, sourceType: CostSourceType, sourceId: string, cause: BillingReversalCause): Promise<void> {
    const applied = await handleOnce(db, erpConsumerGroups.posting, event, async (trx) => {
      const now = clock.now();
      const events: DomainEvent<unknown>[] = [];
      const cost = await repo.lockLiveCostPosting(trx, sourceType, sourceId);
      if (cost) {
        await trx.updateTable('cost_posting').set({ reversed_at: now, updated_at: now }).where('id', '=', cost.id).execute();
        const negated = reversalOf(cost);
        await trx
          .insertInto('cost_posting')
          .values({ ...negated, id: randomUUID(), reversal_of: cost.id, reversed_at: null, posted_at: now, updated_at: now, basis: null })
          .execute();
      }
      if (sourceType === 'TIME_ENTRY') {
        await reverseRecurringUsage(trx, clock, sourceType, sourceId);
        const uncosted = await repo.lockLiveUncostedTime(trx, sourceId);
        if (uncosted) await trx.updateTable('uncosted_time').set({ reversed_at: now }).where('id', '=', uncosted.id).execute();
      }
      // The source's own billing event, and a time entry's retainer overrun (an OVERAGE event with its id), alike.
      const billings = [await repo.lockLiveBillingEvent(trx, sourceType, sourceId), sourceType === 'TIME_ENTRY' ? await repo.lockLiveBillingEvent(trx, 'OVERAGE', sourceId) : undefined];
      for (const billing of billings) {
        if (!billing) continue;
        const line = billing.status === 'BILLED' ? await repo.liveLineOfBillingEvent(trx, billing.id) : undefined;
        const invoice = line ? await repo.lockInvoice(trx, line.invoice_id) : undefined;
        if (line && invoice && invoice.status !== 'DRAFT') {
          const source = { type: sourceType, id: sourceId, projectId: billing.project_id ?? cost?.project_id ?? null };
          // A credit note is proposed (credit-notes.ts); finance still decides: blocked says so.
          const proposal = await proposeReversalCredit(trx, clock, { invoice, line, cause }, causedBy(event));
          events.push(
            ...proposal.events,
            blockedEvent(event, source, billing.contract_id, {
              code: 'INVOICED_SOURCE_REVERSED',
              reason: `${sourceId} was taken back (${cause}) but is billed on issued invoice ${invoice.number ?? invoice.id}: ${
                proposal.creditNoteId ? `credit note ${proposal.creditNoteId} is proposed, to be issued` : 'it is credited (or proposed) in full already'
              }`,
            }),
          );
        } else {
          if (line && invoice) await removeFromDraft(trx, line.id, invoice.id);
          await trx.updateTable('billing_event').set({ status: 'REVERSED', held_reason: null, reversed_at: now, updated_at: now }).where('id', '=', billing.id).execute();
          events.push(
            createEvent<BillingEventReversed>(
              'erp',
              erpTopics.billingEventReversed,
              { typename: 'BillingEvent', id: billing.id },
              {
                billingEventId: billing.id, sourceType: billing.source_type === 'OVERAGE' ? 'OVERAGE' : sourceType, sourceId, contractId: billing.contract_id, projectId: billing.project_id,
                amount: { amount: billing.amount, currency: billing.currency }, cause, removedFromInvoiceId: invoice?.id ?? null,
              },
              causedBy(event),
              now,
            ),
          );
        }
      }
      await appendToOutbox(trx, events);
    });
    if (applied) deps.onCommit();
  }

  /** Routes one of time's events; events that change nothing erp posted (a rejection of an unapproved entry) are skipped. */
  async function handle(event: DomainEvent): Promise<void> {
    const approved = approvedSourceOf(event);
    if (approved) return post(event, approved);
    switch (event.type) {
      case timeTopics.entryRejected: {
        const entry = event.data as unknown as TimeEntryRejected;
        return entry.wasApproved ? reverse(event, 'TIME_ENTRY', entry.timeEntryId, 'REJECTED') : undefined;
      }
      case timeTopics.entryApprovalCancelled:
        return reverse(event, 'TIME_ENTRY', (event.data as unknown as TimeEntryApprovalCancelled).timeEntryId, 'APPROVAL_CANCELLED');
      case timeTopics.entryCorrected:
        return reverse(event, 'TIME_ENTRY', (event.data as unknown as TimeEntryCorrected).reversed.timeEntryId, 'CORRECTED');
      case timeTopics.expenseRejected: {
        const expense = event.data as unknown as ExpenseRejected;
        return expense.wasApproved ? reverse(event, 'EXPENSE', expense.expenseId, 'REJECTED') : undefined;
      }
      case timeTopics.expenseApprovalCancelled:
        return reverse(event, 'EXPENSE', (event.data as unknown as ExpenseApprovalCancelled).expenseId, 'APPROVAL_CANCELLED');
    }
  }

  return { post, reverse, handle };
}

export type PostingService = ReturnType<typeof createPostingService>;
