import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import type { Logger } from '../../lib/logger.ts';
import { timeTopics } from '../time/index.ts';
import { erpConsumerGroups } from './events.ts';
import { createBatchPosting, postingBatchSize } from './posting-batch.ts';
import type { PostingFactsSource } from './posting-facts.ts';
import { createPostingService, type PostingDeps } from './posting.ts';

/** Every time event that approves or takes back an approval: one group, so they apply in publish order. */
const consumedTopics = [
  timeTopics.entryApproved,
  timeTopics.entryRejected,
  timeTopics.entryApprovalCancelled,
  timeTopics.entryCorrected,
  timeTopics.expenseApproved,
  timeTopics.expenseRejected,
  timeTopics.expenseApprovalCancelled,
] as const;

/**
 * Subscribes the posting consumer (group `erp.posting`): events in batches (posting-batch.ts), each one alone when its
 * batch fails (posting.ts), so a dead letter is the one event that keeps failing. Without a facts source (erp running
 * alone, no gateway) it does not subscribe: the group's events wait on the bus rather than being posted without their
 * facts.
 */
export async function subscribePosting(bus: EventBus, deps: Omit<PostingDeps, 'facts'> & { facts?: PostingFactsSource }, logger: Logger): Promise<Subscription[]> {
  if (!deps.facts) {
    logger.warn('erp has no graph to read posting facts from: time approvals are not posted');
    return [];
  }
  const posting = createPostingService({ ...deps, facts: deps.facts });
  const batches = createBatchPosting({ ...deps, facts: deps.facts }, posting);
  return [
    await bus.subscribe({
      group: erpConsumerGroups.posting,
      types: consumedTopics,
      handler: (event) => posting.handle(event),
      // Approvals come in spikes (weekly submission, month end): posted a batch at a time.
      batch: { maxEvents: postingBatchSize, handler: (events) => batches.handleBatch(events) },
    }),
  ];
}
