import { readFileSync } from 'node:fs';
import {
  createSubgraphRuntime,
  type RequestScope,
  type SubgraphDependencies,
  type SubgraphRuntime,
} from '../../lib/graphql/subgraph-server.ts';
import { psaResolvers } from '../../resolvers/psa/index.ts';
import { createPsaLoaders, type PsaLoaders } from './loaders.ts';
import { createPsaQueries, createPsaService, type PsaQueries, type PsaService } from './service.ts';
import type { PsaDatabase } from './tables.ts';
import { psaGauges } from './metrics.ts';
import { subscribeDealToProject } from './use-cases/deal-to-project.ts';
import { createPlanningQueries, type PlanningQueries } from './planning.ts';
import { noPlanningFacts, type PlanningFacts } from './planning-facts.ts';
import type { ContractFeeFacts } from './contract-facts.ts';
import type { ForeignRefs } from '../../lib/foreign-refs.ts';

export interface PsaContext extends RequestScope {
  readonly loaders: PsaLoaders;
  readonly psa: PsaService;
  readonly psaQueries: PsaQueries;
  readonly planning: PlanningQueries;
}

export interface PsaOptions {
  /** hcm's capacity and crm's deals, through the gateway; without them planning questions fail with a clear error. */
  planningFacts?: PlanningFacts;
  /** STAFFING_OVERBOOKING_LIMIT_PERCENT (default 100). */
  overbookingLimitPercent?: number;
  /** crm's contract fees, through the gateway: a fixed fee's milestones keep to it (without: erp holds the excess). */
  contractFees?: ContractFeeFacts;
  /** crm's and hcm's records by their ids in other systems (`customerRef`, `workerRef`, …), through the gateway. */
  foreignRefs?: ForeignRefs;
}

/** The subgraph's SDL as written; parsed only where no prebuilt schema fits it (lib/graphql/prebuilt-subgraph-schema.ts). */
export const psaSdl = readFileSync(new URL('../../schema/psa.graphql', import.meta.url), 'utf8');

/** Builds the psa subgraph from its dependencies; starts nothing until `listen` (which also starts its consumers). */
export function createPsaSubgraph(deps: SubgraphDependencies<PsaDatabase>, options: PsaOptions = {}): SubgraphRuntime {
  let runtime: SubgraphRuntime | undefined;
  const serviceDeps = { db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() };
  const psaQueries = createPsaQueries(deps.db);
  const planningFacts = options.planningFacts ?? noPlanningFacts;
  const psa = createPsaService({
    ...serviceDeps,
    staffing: { facts: planningFacts, overbookingLimitPercent: options.overbookingLimitPercent ?? 100 },
    contractFees: options.contractFees,
    foreign: options.foreignRefs,
  });
  const planning = createPlanningQueries(deps.db, planningFacts);
  runtime = createSubgraphRuntime<PsaContext>({
    name: 'psa',
    sdl: psaSdl,
    resolvers: psaResolvers,
    db: deps.db,
    gauges: psaGauges(deps),
    relayDb: deps.relayDb,
    outboxDb: deps.outboxDb,
    bus: deps.bus,
    logger: deps.logger.child({ subgraph: 'psa' }),
    identitySecret: deps.identitySecret,
    maskErrors: deps.maskErrors,
    config: deps.config,
    createContext: (scope) => ({ ...scope, loaders: createPsaLoaders(deps.db), psa, psaQueries, planning }),
    subscribe: async (bus) => [await subscribeDealToProject(bus, serviceDeps)],
  });
  return runtime;
}
