import type { WebhookDeliveryResolvers } from './types.generated.ts';

export const WebhookDelivery: WebhookDeliveryResolvers = {
  endpoint: async (delivery, _, { webhookLoaders }) => (await webhookLoaders.endpoint.load(delivery.endpoint_id))!,
  eventId: (delivery) => delivery.event_id,
  eventType: (delivery) => delivery.event_type,
  occurredAt: async (delivery, _, { webhookLoaders }) => (await webhookLoaders.event.load(delivery.event_id))!.occurred_at,
  subject: (delivery) => ({ typename: delivery.subject_typename, id: delivery.subject_id }),
  lastAttemptAt: (delivery) => delivery.last_attempt_at,
  lastStatusCode: (delivery) => delivery.last_status_code,
  lastError: (delivery) => delivery.last_error,
  nextAttemptAt: (delivery) => (delivery.status === 'PENDING' ? delivery.next_attempt_at : null),
  deliveredAt: (delivery) => delivery.delivered_at,
  replayOf: (delivery, _, { webhookLoaders }) => (delivery.replay_of ? webhookLoaders.delivery.load(delivery.replay_of) : null),
  createdAt: (delivery) => delivery.created_at,
};
