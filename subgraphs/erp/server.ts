import { readFileSync } from 'node:fs';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import {
  createSubgraphRuntime,
  type RequestScope,
  type SubgraphDependencies,
  type SubgraphRuntime,
} from '../../lib/graphql/subgraph-server.ts';
import { erpResolvers } from '../../resolvers/erp/index.ts';
import { crmTopics, type ContractAmended, type ContractCreated, type ContractUpdated } from '../crm/index.ts';
import { loaderById } from '../../lib/graphql/loaders.ts';
import { erpConsumerGroups } from './events.ts';
import * as reconciliationQueries from './reconciliation-queries.ts';
import { createErpLoaders, type ErpLoaders } from './loaders.ts';
import { createErpExportEndpoint } from './export-endpoint.ts';
import type { InvoicingFactsSource } from './invoicing-facts.ts';
import { createInvoicingService, type InvoicingService } from './invoicing.ts';
import { createCreditNoteService, type CreditNoteService } from './credit-notes.ts';
import type { PostingFactsSource } from './posting-facts.ts';
import { subscribePosting } from './posting-consumer.ts';
import { createBillingModelsService, subscribeBillingModels, type BillingModelsService } from './billing-models.ts';
import { createRecurringBillingService, type RecurringBillingService } from './recurring-billing.ts';
import { createPercentCompleteService, type PercentCompleteService } from './percent-complete.ts';
import type { ProjectBudgetFactsSource } from './project-budget-facts.ts';
import { createErpQueries, createErpService, type ErpQueries, type ErpService } from './service.ts';
import type { KpiFactsSource } from './kpi-facts.ts';
import { createErpKpis, type ErpKpis } from './kpis.ts';
import type { ReconciliationFactsSource } from './reconciliation-facts.ts';
import { createReconciliationService, type ReconciliationService, type ReconciliationSettings } from './reconciliation.ts';
import type { ApprovalRepublisher } from './approval-republisher.ts';
import { createRedriveService, type RedriveService } from './reconciliation-redrive.ts';
import type { ErpDatabase } from './tables.ts';
import { erpGauges } from './metrics.ts';
import { createFxService, subscribeLegalEntities, type FxService } from './fx.ts';

export interface ErpContext extends RequestScope {
  readonly loaders: ErpLoaders;
  readonly erp: ErpService;
  /** Fixed-fee schedules (billing-models.ts). */
  readonly billingModels: BillingModelsService;
  /** Managed-services and retainer terms and period closes (recurring-billing.ts). */
  readonly recurringBilling: RecurringBillingService;
  /** Percent-complete billing of fixed-fee contracts (percent-complete.ts). */
  readonly percentComplete: PercentCompleteService;
  /** Exchange rates and the retry of events held for them (fx.ts). */
  readonly fx: FxService;
  /** Reads bound to the caller (they check the caller's roles). */
  readonly erpQueries: ErpQueries;
  /** Drafting, issuing, voiding and paying invoices. */
  readonly invoicing: InvoicingService;
  /** Drafting, issuing and voiding credit notes; billing credited sources again. */
  readonly creditNotes: CreditNoteService;
  /** Unbilled work and invoice cycle time, bound to the caller (kpis.ts). */
  readonly kpis: ErpKpis;
  /** The reconciliation job and its exceptions (reconciliation.ts). */
  readonly reconciliation: ReconciliationService;
  /** Re-driving reconciliation's lost approvals through time (reconciliation-redrive.ts). */
  readonly reconciliationRedrive: RedriveService;
  /** Per-request loaders of runs and exceptions (references). */
  readonly reconciliationLoaders: ReturnType<typeof createReconciliationLoaders>;
}

/** The subgraph's SDL as written; parsed only where no prebuilt schema fits it (lib/graphql/prebuilt-subgraph-schema.ts). */
export const erpSdl = readFileSync(new URL('../../schema/erp.graphql', import.meta.url), 'utf8');

export interface ErpOptions {
  /** Where the posting consumer reads psa's projects and hcm's cost rates; without it, approvals are not posted. */
  readonly postingFacts?: PostingFactsSource;
  /** Where invoicing reads crm's customer countries (tax); without it, drafting and issuing are not configured. */
  readonly invoicingFacts?: InvoicingFactsSource;
  /** Where the KPIs read hcm's cost centers of workers; without it, grouping or filtering by cost center is not configured. */
  readonly kpiFacts?: KpiFactsSource;
  /** Where percent-complete billing reads psa's projects and budget hours; without it, that run is not configured. */
  readonly projectBudgetFacts?: ProjectBudgetFactsSource;
  /** Where reconciliation reads time's approvals, psa's projects and assignments; without it, runs fail. */
  readonly reconciliationFacts?: ReconciliationFactsSource;
  /** Where re-driving reconciliation asks time to publish approvals again; without it, re-driving fails. */
  readonly approvalRepublisher?: ApprovalRepublisher;
  /** The schedule and grace time (lib/config.ts); default: no schedule, 60 minutes of grace. */
  readonly reconciliation?: ReconciliationSettings;
}

function createReconciliationLoaders(db: SubgraphDependencies<ErpDatabase>['db']) {
  return {
    run: loaderById((ids) => reconciliationQueries.runsByIds(db, ids)),
    exception: loaderById((ids) => reconciliationQueries.exceptionsByIds(db, ids)),
  };
}

/** Builds the erp subgraph from its dependencies; starts nothing until `listen`. */
export function createErpSubgraph(deps: SubgraphDependencies<ErpDatabase>, options: ErpOptions = {}): SubgraphRuntime {
  let runtime: SubgraphRuntime | undefined;
  const logger = deps.logger.child({ subgraph: 'erp' });
  const erp = createErpService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() });
  const dutyRules = deps.config?.audit?.segregationOfDuties ?? [];
  const invoicing = createInvoicingService({ db: deps.db, clock: deps.clock, facts: options.invoicingFacts, dutyRules, onCommit: () => runtime?.relay.kick() });
  const creditNotes = createCreditNoteService({ db: deps.db, clock: deps.clock, dutyRules, onCommit: () => runtime?.relay.kick() });
  const billingModels = createBillingModelsService({ db: deps.db, clock: deps.clock, facts: options.postingFacts, dutyRules, onCommit: () => runtime?.relay.kick() });
  const percentComplete = createPercentCompleteService({ db: deps.db, clock: deps.clock, facts: options.projectBudgetFacts, onCommit: () => runtime?.relay.kick() });
  const fx = createFxService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() });
  const recurringBilling = createRecurringBillingService({ db: deps.db, clock: deps.clock, onCommit: () => runtime?.relay.kick() });
  const reconciliation = createReconciliationService({
    db: deps.db, clock: deps.clock, facts: options.reconciliationFacts, settings: options.reconciliation ?? { intervalSeconds: 0, graceMinutes: 60 }, logger,
    onCommit: () => runtime?.relay.kick(),
  });
  const reconciliationRedrive = createRedriveService({ db: deps.db, republisher: options.approvalRepublisher, logger });
  runtime = createSubgraphRuntime<ErpContext>({
    name: 'erp',
    sdl: erpSdl,
    resolvers: erpResolvers,
    db: deps.db,
    gauges: erpGauges(deps),
    relayDb: deps.relayDb,
    outboxDb: deps.outboxDb,
    bus: deps.bus,
    logger,
    identitySecret: deps.identitySecret,
    maskErrors: deps.maskErrors,
    config: deps.config,
    endpoints: createErpExportEndpoint({ identitySecret: deps.identitySecret, policy: deps.config?.signedIdentity, db: deps.db }),
    createContext: (scope) => {
      const loaders = createErpLoaders(deps.db);
      const kpis = createErpKpis({ db: deps.db, scope, clock: deps.clock, facts: options.kpiFacts });
      return {
        ...scope, loaders, erp, erpQueries: createErpQueries({ db: deps.db, scope, loaders }), invoicing, billingModels, recurringBilling, fx,
        percentComplete, creditNotes, kpis, reconciliation, reconciliationRedrive, reconciliationLoaders: createReconciliationLoaders(deps.db),
      };
    },
    subscribe: async (bus) => [
      await bus.subscribe({
        group: erpConsumerGroups.billingSetup,
        types: [crmTopics.contractCreated, crmTopics.contractAmended, crmTopics.contractUpdated],
        handler: (event) =>
          event.type === crmTopics.contractAmended
            ? billingModels.applyContractAmendment(event as unknown as DomainEvent<ContractAmended>)
            : event.type === crmTopics.contractUpdated
              ? billingModels.applyContractUpdate(event as unknown as DomainEvent<ContractUpdated>)
              : erp.prepareBillingSetup(event as unknown as DomainEvent<ContractCreated>),
      }),
      ...(await subscribeBillingModels(bus, billingModels)),
      ...(await subscribeLegalEntities(bus, fx)),
      ...(await subscribePosting(bus, { db: deps.db, clock: deps.clock, facts: options.postingFacts, onCommit: () => runtime?.relay.kick() }, logger)),
    ],
  });
  // The schedule starts with the subgraph and stops before it (a run in progress finishes first).
  const { listen, stop } = runtime;
  return {
    ...runtime,
    async listen(port, host) {
      const url = await listen(port, host);
      reconciliation.start();
      return url;
    },
    async stop() {
      await reconciliation.stop();
      await stop();
    },
  };
}
