import { readFileSync } from 'node:fs';
import {
  createSubgraphRuntime,
  type RequestScope,
  type SubgraphDependencies,
  type SubgraphRuntime,
} from '../../lib/graphql/subgraph-server.ts';
import { timeResolvers } from '../../resolvers/time/index.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError } from '../../lib/errors.ts';
import { visibilityOf, type ReportingLines, type Visibility } from './access.ts';
import { createApprovalQueue, type ApprovalQueue } from './approval-queue.ts';
import { createApprovalService, type ApprovalService } from './approval.ts';
import { createDelegationService, type DelegationService } from './delegation.ts';
import { DirectReports } from './direct-reports.ts';
import * as repo from './repository.ts';
import { createCaptureService, type CaptureOptions, type CaptureService } from './capture.ts';
import { createExpenseCaptureService, type ExpenseCaptureService } from './expense-capture.ts';
import { createForecastQueries, type ForecastQueries } from './forecast.ts';
import { createKpiQueries, type KpiQueries } from './kpis.ts';
import { createTimeLoaders, type TimeLoaders } from './loaders.ts';
import { createTimeExportEndpoint } from './export-endpoint.ts';
import { createPayrollQueries, type PayrollOptions, type PayrollQueries } from './payroll.ts';
import { createRepublishService, type RepublishService } from './republish.ts';
import { createTimeQueries, createTimeService, type TimeQueries, type TimeService } from './service.ts';
import type { TimeDatabase } from './tables.ts';
import { timeGauges } from './metrics.ts';

export interface TimeContext extends RequestScope {
  readonly loaders: TimeLoaders;
  visibility(): Promise<Visibility>;
  readonly clock: Clock;
  readonly delegation: DelegationService;
  readonly time: TimeService;
  readonly timeQueries: TimeQueries;
  readonly capture: CaptureService;
  readonly approval: ApprovalService;
  /** Approvals published again, the repair of a lost approval event (republish.ts). */
  readonly republish: RepublishService;
  readonly payroll: PayrollQueries;
  readonly expenseCapture: ExpenseCaptureService;
  readonly approvalQueue: ApprovalQueue;
  readonly kpis: KpiQueries;
  readonly forecast: ForecastQueries;
}

/** The subgraph's SDL as written; parsed only where no prebuilt schema fits it (lib/graphql/prebuilt-subgraph-schema.ts). */
export const timeSdl = readFileSync(new URL('../../schema/time.graphql', import.meta.url), 'utf8');

/**
 * Builds the time subgraph from its dependencies; starts nothing until `listen`. `options.workContext` is where
 * capture gets psa/hcm/crm facts; without it, the capture mutations fail with INTERNAL_SERVER_ERROR. Likewise
 * `options.payrollContext` for the payroll feed and the KPIs (hcm), which also read psa through `workContext`.
 */
export function createTimeSubgraph(deps: SubgraphDependencies<TimeDatabase>, options: CaptureOptions & PayrollOptions = {}): SubgraphRuntime {
  let runtime: SubgraphRuntime | undefined;
  const timeQueries = createTimeQueries(deps.db, options);
  const time = createTimeService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() });
  const capture = createCaptureService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() }, options);
  const payroll = createPayrollQueries(deps.db, options);
  const approvalQueue = createApprovalQueue({ db: deps.db, clock: deps.clock }, options);
  const kpis = createKpiQueries(deps.db, options);
  const forecast = createForecastQueries(deps.clock);
  const expenseCapture = createExpenseCaptureService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() }, options);
  const approval = createApprovalService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() }, options);
  const republish = createRepublishService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() }, options);
  const delegation = createDelegationService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() }, options);
  // A manager's reports from memory, kept by hcm's worker events (direct-reports.ts), not a graph call per request.
  const workContext = options.workContext;
  const directReports = workContext ? new DirectReports((managerIds) => workContext.directReports(managerIds)) : null;
  const reportingLines: ReportingLines = {
    delegators: (workerId, day) => repo.delegatorsOf(deps.db, workerId, day),
    directReports: (managerIds) => {
      if (!directReports) throw new DomainError('INTERNAL_SERVER_ERROR', "time was built without a WorkContextSource: a manager's reports are unknown");
      return directReports.directReports(managerIds);
    },
  };
  const createContext = (scope: RequestScope): TimeContext => {
    let visibility: Promise<Visibility> | undefined;
    return {
      ...scope,
      loaders: createTimeLoaders(deps.db, options),
      visibility: () => (visibility ??= visibilityOf(scope.identity, isoDate(deps.clock.now()), reportingLines)),
      clock: deps.clock,
      time,
      timeQueries,
      capture,
      approval,
      republish,
      delegation,
      payroll,
      expenseCapture,
      approvalQueue,
      kpis,
      forecast,
    };
  };
  runtime = createSubgraphRuntime<TimeContext>({
    name: 'time',
    sdl: timeSdl,
    resolvers: timeResolvers,
    db: deps.db,
    gauges: timeGauges(deps),
    relayDb: deps.relayDb,
    outboxDb: deps.outboxDb,
    bus: deps.bus,
    logger: deps.logger.child({ subgraph: 'time' }),
    identitySecret: deps.identitySecret,
    maskErrors: deps.maskErrors,
    config: deps.config,
    createContext,
    // On the bus itself, not the consumers' (which keep checkpoints and dead letters in time's database): the group is
    // this process's own, starts at the end and goes with it, like the gateway's live feed.
    subscribe: directReports ? async () => [await directReports.watch(deps.bus)] : undefined,
    endpoints: createTimeExportEndpoint({ identitySecret: deps.identitySecret, policy: deps.config?.signedIdentity, timeQueries, createContext }),
  });
  return runtime;
}
