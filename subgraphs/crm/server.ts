import { readFileSync } from 'node:fs';
import {
  createSubgraphRuntime,
  type RequestScope,
  type SubgraphDependencies,
  type SubgraphRuntime,
} from '../../lib/graphql/subgraph-server.ts';
import { crmResolvers } from '../../resolvers/crm/index.ts';
import { createCrmLoaders, type CrmLoaders } from './loaders.ts';
import { createCrmQueries, createCrmService, type CrmService } from './service.ts';
import type { HcmRefs } from './hcm-refs.ts';
import type { CrmDatabase } from './tables.ts';
import { crmGauges } from './metrics.ts';

export interface CrmContext extends RequestScope {
  readonly loaders: CrmLoaders;
  readonly crm: CrmService;
  readonly crmQueries: ReturnType<typeof createCrmQueries>;
}

/** The subgraph's SDL as written; parsed only where no prebuilt schema fits it (lib/graphql/prebuilt-subgraph-schema.ts). */
export const crmSdl = readFileSync(new URL('../../schema/crm.graphql', import.meta.url), 'utf8');

/** Builds the crm subgraph from its dependencies; starts nothing until `listen`. */
export interface CrmOptions {
  /** Where references to hcm's records (roles, legal entities) in inputs are looked up; absent: ids only. */
  readonly hcmRefs?: HcmRefs;
}

export function createCrmSubgraph(deps: SubgraphDependencies<CrmDatabase>, options: CrmOptions = {}): SubgraphRuntime {
  let runtime: SubgraphRuntime | undefined;
  const crmQueries = createCrmQueries(deps.db);
  const crm = createCrmService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick(), hcmRefs: options.hcmRefs });
  runtime = createSubgraphRuntime<CrmContext>({
    name: 'crm',
    sdl: crmSdl,
    resolvers: crmResolvers,
    db: deps.db,
    gauges: crmGauges(deps),
    relayDb: deps.relayDb,
    outboxDb: deps.outboxDb,
    bus: deps.bus,
    logger: deps.logger.child({ subgraph: 'crm' }),
    identitySecret: deps.identitySecret,
    maskErrors: deps.maskErrors,
    config: deps.config,
    createContext: (scope) => ({ ...scope, loaders: createCrmLoaders(deps.db), crm, crmQueries }),
  });
  return runtime;
}
