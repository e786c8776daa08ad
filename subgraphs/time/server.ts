import { readFileSync } from 'node:fs';
import { gql } from 'graphql-tag';
import {
  createSubgraphRuntime,
  type RequestScope,
  type SubgraphDependencies,
  type SubgraphRuntime,
} from '../../lib/graphql/subgraph-server.ts';
import { timeResolvers } from '../../resolvers/time/index.ts';
import { createApprovalService, type ApprovalService } from './approval.ts';
import { createCaptureService, type CaptureOptions, type CaptureService } from './capture.ts';
import { createExpenseCaptureService, type ExpenseCaptureService } from './expense-capture.ts';
import { createTimeLoaders, type TimeLoaders } from './loaders.ts';
import { createTimeQueries, createTimeService, type TimeQueries, type TimeService } from './service.ts';
import type { TimeDatabase } from './tables.ts';

export interface TimeContext extends RequestScope {
  readonly loaders: TimeLoaders;
  readonly time: TimeService;
  readonly timeQueries: TimeQueries;
  readonly capture: CaptureService;
  readonly approval: ApprovalService;
  readonly expenseCapture: ExpenseCaptureService;
}

export const timeTypeDefs = gql(readFileSync(new URL('../../schema/time.graphql', import.meta.url), 'utf8'));

/**
 * Builds the time subgraph from its dependencies; starts nothing until `listen`. `options.workContext` is where
 * capture gets psa/hcm/crm facts; without it, the capture mutations fail with INTERNAL_SERVER_ERROR.
 */
export function createTimeSubgraph(deps: SubgraphDependencies<TimeDatabase>, options: CaptureOptions = {}): SubgraphRuntime {
  let runtime: SubgraphRuntime | undefined;
  const timeQueries = createTimeQueries(deps.db);
  const time = createTimeService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() });
  const capture = createCaptureService({ db: deps.db, clock: deps.clock }, options);
  const expenseCapture = createExpenseCaptureService({ db: deps.db, clock: deps.clock }, options);
  const approval = createApprovalService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() }, options);
  runtime = createSubgraphRuntime<TimeContext>({
    name: 'time',
    typeDefs: timeTypeDefs,
    resolvers: timeResolvers,
    db: deps.db,
    relayDb: deps.relayDb,
    bus: deps.bus,
    logger: deps.logger.child({ subgraph: 'time' }),
    identitySecret: deps.identitySecret,
    maskErrors: deps.maskErrors,
    createContext: (scope) => ({ ...scope, loaders: createTimeLoaders(deps.db), time, timeQueries, capture, approval, expenseCapture }),
  });
  return runtime;
}
