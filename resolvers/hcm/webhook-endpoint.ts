import type { WebhookEndpointResolvers } from './types.generated.ts';

/** Never the secret: it is shown once, by registerWebhookEndpoint and rotateWebhookSecret. */
export const WebhookEndpoint: WebhookEndpointResolvers = {
  eventTypes: (endpoint) => endpoint.event_types,
  disabledReason: (endpoint) => endpoint.disabled_reason,
  disabledAt: (endpoint) => endpoint.disabled_at,
  failingSince: (endpoint) => endpoint.failing_since,
  deliveriesGivenUpInARow: (endpoint) => endpoint.given_up_in_a_row,
  previousSecretExpiresAt: (endpoint, _, { now }) =>
    endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now ? endpoint.previous_secret_expires_at : null,
  createdBy: (endpoint, _, { loaders }) => (endpoint.created_by ? loaders.worker.load(endpoint.created_by) : null),
  createdAt: (endpoint) => endpoint.created_at,
  updatedAt: (endpoint) => endpoint.updated_at,
};
