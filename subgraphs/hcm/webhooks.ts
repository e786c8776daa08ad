import type { SubgraphDependencies } from '../../lib/graphql/subgraph-server.ts';
import { hostWebhooks, type WebhookHost } from '../../lib/webhooks/index.ts';
import type { HcmDatabase } from './tables.ts';
import { webhookConsumerGroup, webhookEventTypes } from './webhooks-event-types.ts';

/**
 * hcm hosts the firm's webhook endpoints (README "Get told of changes"), beside its other administration (API keys):
 * the generic machinery of lib/webhooks over hcm's database, fed by the `hcm.webhooks` group on every subgraph's topics.
 */
export function createHcmWebhooks(deps: SubgraphDependencies<HcmDatabase>, onCommit: () => void): WebhookHost {
  return hostWebhooks({
    db: deps.db,
    background: deps.relayDb ?? deps.db,
    clock: deps.clock,
    logger: deps.logger.child({ subgraph: 'hcm', component: 'webhooks' }),
    settings: deps.config?.webhooks,
    catalogue: webhookEventTypes,
    group: webhookConsumerGroup,
    onCommit,
  });
}
