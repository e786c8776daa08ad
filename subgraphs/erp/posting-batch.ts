import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { insertByColumns } from '../../lib/db/insert-by-columns.ts';
import { causedBy, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox, handleEachOnce } from '../../lib/events/outbox.ts';
import { setupPostingFacts } from './billing-models.ts';
import { writeBillingEvents, type BatchedBilling } from './billing-event-batch.ts';
import { planPosting, type ApprovedSource, type PlannedCost } from './domain/posting.ts';
import type { PlannedUsage } from './domain/recurring-billing.ts';
import { erpConsumerGroups } from './events.ts';
import {
  approvedBeforeWorked,
  approvedSourceOf,
  costPostingColumns,
  costPostingRow,
  postingFactsRequestOf,
  reportedBlocks,
  sourceBlockedEvent,
  type PostingDeps,
  type PostingService,
} from './posting.ts';
import { recordRecurringUsages } from './recurring-billing.ts';
import * as repo from './repository.ts';
import type { ErpDatabase } from './tables.ts';

/**
 * How many events the posting consumer takes at once (one facts read and one transaction each): half a relay pass
 * (lib/events/relay.ts), so a spike costs fewer reads of the graph than at 200 (docs/benchmarks.md, 2026-12-07).
 */
export const postingBatchSize = 500;

interface Approval {
  readonly event: DomainEvent;
  readonly source: ApprovedSource;
}

const keyOf = (source: ApprovedSource) => `${source.sourceType}:${source.sourceId}`;

/**
 * The posting consumer's batch handler (DESIGN §4.3): runs of approvals are posted together, with one read of the
 * graph and one transaction per run, in a number of statements that does not grow with the run (statement-count test
 * in test/gateway/posting-batch.test.ts). The rules are the one-event path's (posting.ts `post`), applied per source.
 *
 * Order per source is kept by cutting runs: a run ends before an approval of a source already in it, and before any
 * other event (a rejection, a cancellation, a correction), which goes through the one-event path (`handle`) in its
 * place, as does an approval published before its source's date (NOT_YET_WORKED). Reversals are rare next to
 * approvals and touch invoices and credit notes: they stay one transaction each. Inside a run, a retainer's drawdowns
 * are written one at a time (recurring-billing.ts `recordRecurringUsages`): each draws on what the one before left.
 */
export function createBatchPosting(deps: PostingDeps, posting: PostingService) {
  const { db, clock } = deps;

  /** The cost postings, in one insert; time entries recorded as uncosted before are costed from now on. */
  async function insertCosts(trx: Transaction<ErpDatabase>, costs: readonly PlannedCost[]) {
    if (costs.length === 0) return;
    const now = clock.now();
    await insertByColumns(trx, 'cost_posting', costPostingColumns, costs.map((cost) => costPostingRow(cost, now))).execute();
    const timeEntries = costs.filter((cost) => cost.sourceType === 'TIME_ENTRY').map((cost) => cost.sourceId);
    if (timeEntries.length === 0) return;
    await trx
      .updateTable('uncosted_time')
      .set({ costed_at: now })
      .where('source_id', 'in', timeEntries)
      .where('costed_at', 'is', null)
      .where('reversed_at', 'is', null)
      .execute();
  }

  /** Approved time without a cost rate, recorded once while it stands (posting.ts `recordUncosted`), in two statements. */
  async function recordUncosted(trx: Transaction<ErpDatabase>, sources: ReadonlyArray<ApprovedSource & { sourceType: 'TIME_ENTRY' }>) {
    if (sources.length === 0) return;
    const standing = new Set((await repo.lockLiveUncostedTimes(trx, sources.map((source) => source.sourceId))).map((row) => row.source_id));
    const missing = sources.filter((source) => !standing.has(source.sourceId));
    if (missing.length === 0) return;
    const now = clock.now();
    await trx
      .insertInto('uncosted_time')
      .values(
        missing.map((source) => ({
          id: randomUUID(), source_id: source.sourceId, worker_id: source.workerId, project_id: source.projectId, date: source.date,
          hours: source.hours, recorded_at: now, costed_at: null, reversed_at: null,
        })),
      )
      .execute();
  }

  /**
   * Posts a run of approvals of distinct sources: the facts first (one read of the graph, outside the transaction),
   * then, in one transaction that marks every event handled, what is not live yet for each source.
   */
  async function postRun(run: readonly Approval[]): Promise<void> {
    const facts = await deps.facts.loadMany(run.map(({ source }) => postingFactsRequestOf(source)), { correlationId: run[0].event.correlationId });
    const factsOf = new Map(run.map(({ event }, index) => [event.id, facts[index]]));
    const applied = await handleEachOnce(db, erpConsumerGroups.posting, run.map(({ event }) => event), async (trx, fresh) => {
      const approvals = fresh.map((event) => run.find((approval) => approval.event === event)!);
      const sourceIds = approvals.map(({ source }) => source.sourceId);
      const sourceTypes = [...new Set(approvals.map(({ source }) => source.sourceType))];
      const liveCosts = new Set((await repo.lockLiveCostPostings(trx, sourceTypes, sourceIds)).map((row) => `${row.source_type}:${row.source_id}`));
      const liveBillings = new Set((await repo.lockLiveBillingEvents(trx, sourceTypes, sourceIds)).map((row) => `${row.source_type}:${row.source_id}`));
      const contractIds = [...new Set(approvals.flatMap(({ event }) => factsOf.get(event.id)!.project?.contractId ?? []))];
      const setups = new Map((contractIds.length > 0 ? await repo.billingSetupsByContracts(trx, contractIds) : []).map((setup) => [setup.contract_id, setup]));

      const costs: PlannedCost[] = [];
      const uncosted: Array<ApprovedSource & { sourceType: 'TIME_ENTRY' }> = [];
      const billings: BatchedBilling[] = [];
      const usages: Array<{ usage: PlannedUsage; cause: EventCause }> = [];
      /** Per approval, in its order: where its billing event's and its usage's announcements are, then its own. */
      const announcements = approvals.map(() => ({ billing: -1, usage: -1, blocked: [] as DomainEvent<unknown>[] }));
      for (const [index, { event, source }] of approvals.entries()) {
        const liveCost = liveCosts.has(keyOf(source));
        const liveEvent = liveBillings.has(keyOf(source));
        // The same approval delivered under another event id: nothing more to write.
        if (liveCost && (liveEvent || !source.billable)) continue;
        const outside = factsOf.get(event.id)!;
        const contractId = outside.project?.contractId ?? null;
        const setup = contractId ? setups.get(contractId) : undefined;
        const plan = planPosting(source, { ...outside, setup: setup ? setupPostingFacts(setup) : null });
        if (plan.cost && !liveCost) costs.push(plan.cost);
        const noCostRate = plan.blocked.some((blocked) => blocked.code === 'NO_COST_RATE');
        if (!plan.cost && !liveCost && noCostRate && source.sourceType === 'TIME_ENTRY') uncosted.push(source);
        if (plan.billing && !liveEvent) {
          announcements[index].billing = billings.length;
          billings.push({ planned: plan.billing, cause: causedBy(event) });
        }
        if (plan.usage) {
          announcements[index].usage = usages.length;
          usages.push({ usage: plan.usage, cause: causedBy(event) });
        }
        const ref = { type: source.sourceType, id: source.sourceId, projectId: source.projectId };
        announcements[index].blocked = reportedBlocks(plan.blocked, { cost: liveCost, billing: liveEvent })
          .map((blocked) => sourceBlockedEvent(event, ref, contractId, blocked, clock.now()));
      }
      await insertCosts(trx, costs);
      await recordUncosted(trx, uncosted);
      const written = await writeBillingEvents(trx, clock, billings);
      // Time on a recurring contract: counted or drawn down (once per source: recurring-billing.ts).
      const recorded = await recordRecurringUsages(trx, clock, usages);
      await appendToOutbox(
        trx,
        announcements.flatMap(({ billing, usage, blocked }) => [
          ...(billing >= 0 ? written[billing].events : []),
          ...(usage >= 0 ? recorded[usage] : []),
          ...blocked,
        ]),
      );
    });
    if (applied.length > 0) deps.onCommit();
  }

  /** The group's batch handler: runs of approvals posted together, everything else one event at a time, in order. */
  async function handleBatch(events: readonly DomainEvent[]): Promise<void> {
    let run: Approval[] = [];
    const inRun = new Set<string>();
    const flush = async () => {
      if (run.length > 0) await postRun(run);
      run = [];
      inRun.clear();
    };
    for (const event of events) {
      const source = approvedSourceOf(event);
      if (!source || approvedBeforeWorked(event, source)) {
        await flush();
        await posting.handle(event);
        continue;
      }
      if (inRun.has(keyOf(source))) await flush();
      run.push({ event, source });
      inRun.add(keyOf(source));
    }
    await flush();
  }

  return { handleBatch };
}
