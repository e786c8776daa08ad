import { readFileSync } from 'node:fs';
import { isoDate } from '../../lib/clock.ts';
import {
  createSubgraphRuntime,
  type RequestScope,
  type SubgraphDependencies,
  type SubgraphRuntime,
} from '../../lib/graphql/subgraph-server.ts';
import { hcmResolvers } from '../../resolvers/hcm/index.ts';
import { createApiKeyEndpoint } from './api-key-endpoint.ts';
import { createApiKeyService, type ApiKeyService } from './api-keys.ts';
import { createHcmLoaders, type HcmLoaders } from './loaders.ts';
import { createHcmQueries, createHcmService, type HcmQueries, type HcmService } from './service.ts';
import type { HcmDatabase } from './tables.ts';
import { hcmGauges } from './metrics.ts';
import type { WebhookLoaders, WebhookService } from '../../lib/webhooks/index.ts';
import { createHcmWebhooks } from './webhooks.ts';
import { scheduleDueWorkerChanges } from './due-worker-changes.ts';

export interface HcmContext extends RequestScope {
  readonly loaders: HcmLoaders;
  readonly hcm: HcmService;
  readonly hcmQueries: HcmQueries;
  readonly apiKeys: ApiKeyService;
  readonly webhooks: WebhookService;
  readonly webhookLoaders: WebhookLoaders;
  /** The request's calendar date (UTC): effective statuses are judged against it. */
  readonly today: string;
  /** The request's instant: an API key's status (expired or not) is judged against it. */
  readonly now: Date;
}

/** The subgraph's SDL as written; parsed only where no prebuilt schema fits it (lib/graphql/prebuilt-subgraph-schema.ts). */
export const hcmSdl = readFileSync(new URL('../../schema/hcm.graphql', import.meta.url), 'utf8');

/** Builds the hcm subgraph from its dependencies; starts nothing until `listen`. */
export function createHcmSubgraph(deps: SubgraphDependencies<HcmDatabase>): SubgraphRuntime {
  let runtime: SubgraphRuntime | undefined;
  const hcmQueries = createHcmQueries(deps.db, deps.clock);
  const hcm = createHcmService({ db: deps.db, backgroundDb: deps.relayDb, clock: deps.clock, onCommit: () => runtime?.relay.kick() });
  const apiKeys = createApiKeyService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() });
  const webhooks = createHcmWebhooks(deps, () => runtime?.relay.kick());
  runtime = createSubgraphRuntime<HcmContext>({
    name: 'hcm',
    sdl: hcmSdl,
    resolvers: hcmResolvers,
    db: deps.db,
    gauges: hcmGauges(deps),
    relayDb: deps.relayDb,
    outboxDb: deps.outboxDb,
    bus: deps.bus,
    logger: deps.logger.child({ subgraph: 'hcm' }),
    identitySecret: deps.identitySecret,
    maskErrors: deps.maskErrors,
    config: deps.config,
    subscribe: async (bus) => [...(await webhooks.subscribe(bus)), scheduleDueWorkerChanges(hcm, deps.logger.child({ subgraph: 'hcm' }))],
    endpoints: createApiKeyEndpoint({ apiKeys, identitySecret: deps.identitySecret, identityPolicy: deps.config?.signedIdentity }),
    createContext: (scope) => {
      const now = deps.clock.now();
      const today = isoDate(now);
      return {
        ...scope,
        today,
        now,
        loaders: createHcmLoaders(deps.db, today),
        hcm,
        hcmQueries,
        apiKeys,
        webhooks: webhooks.service,
        webhookLoaders: webhooks.createLoaders(),
      };
    },
  });
  return runtime;
}
