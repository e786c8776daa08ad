import type { crmTopics } from '../crm/index.ts';
import type { erpTopics, reconciliationTopics } from '../erp/index.ts';
import type { psaTopics } from '../psa/index.ts';
import type { timeTopics } from '../time/index.ts';
import type { hcmTopics } from './events.ts';

type TopicOf<T> = T[keyof T];
type DomainEventType =
  | TopicOf<typeof crmTopics>
  | TopicOf<typeof hcmTopics>
  | TopicOf<typeof psaTopics>
  | TopicOf<typeof timeTopics>
  | TopicOf<typeof erpTopics>
  | TopicOf<typeof reconciliationTopics>;

/**
 * Every domain event type a webhook endpoint may subscribe to: each subgraph's published topics. Spelled out rather
 * than imported, so hcm loads none of the other subgraphs (type-only imports, as psa's `consumedTopics`); the checks
 * below fail the build when a subgraph adds a topic that is not listed here, or when one listed is not a topic.
 */
export const webhookEventTypes = [
  'crm.opportunity.won',
  'crm.opportunity.lost',
  'crm.contract.created',
  'crm.contract.amended',
  'crm.contract.updated',
  'hcm.worker.created',
  'hcm.worker.changed',
  'hcm.worker.history_changed',
  'hcm.cost_rate.added',
  'hcm.legal_entity.created',
  'hcm.legal_entity.changed',
  'hcm.api_key.revoked',
  'psa.project.created',
  'psa.project.activated',
  'psa.project.status_changed',
  'psa.assignment.changed',
  'psa.milestone.completed',
  'psa.staffing_request.filled',
  'time.period.closed',
  'time.period.reopened',
  'time.entry.submitted',
  'time.entry.approved',
  'time.entry.rejected',
  'time.entry.corrected',
  'time.entry.approval_cancelled',
  'time.timesheet.changed',
  'time.expense.submitted',
  'time.expense.approved',
  'time.expense.rejected',
  'time.expense.approval_cancelled',
  'time.expense.corrected',
  'erp.billing_setup.ready',
  'erp.billing.blocked',
  'erp.billing_event.created',
  'erp.billing_event.reversed',
  'erp.billing_event.rebilled',
  'erp.billing_event.held',
  'erp.billing_event.released',
  'erp.invoice.drafted',
  'erp.invoice.issued',
  'erp.invoice.paid',
  'erp.invoice.voided',
  'erp.credit_note.drafted',
  'erp.credit_note.issued',
  'erp.credit_note.voided',
  'erp.reconciliation.exception_found',
  'erp.reconciliation.exception_cleared',
] as const satisfies readonly DomainEventType[];

type Unlisted = Exclude<DomainEventType, (typeof webhookEventTypes)[number]>;
/** Fails to compile, naming the topic, when a subgraph publishes a topic missing above. */
export const everyTopicListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** hcm's consumer group that queues webhook deliveries (stable: it resumes where it stopped). */
export const webhookConsumerGroup = 'hcm.webhooks';
