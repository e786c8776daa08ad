import type { SubgraphModule } from '../../lib/graphql/subgraph-server.ts';
import { createGraphApprovalRepublisher } from './approval-republisher.ts';
import { openErpDatabase } from './db.ts';
import { createGraphPostingFacts } from './posting-facts.ts';
import { createGraphInvoicingFacts } from './invoicing-facts.ts';
import { createGraphKpiFacts } from './kpi-facts.ts';
import { createGraphProjectBudgetFacts } from './project-budget-facts.ts';
import { createGraphReconciliationFacts } from './reconciliation-facts.ts';
import { seedErp } from './seed.ts';
import { createErpSubgraph } from './server.ts';
import type { ErpDatabase } from './tables.ts';

export { erpConsumerGroups, erpTopics } from './events.ts';
export type {
  BillingBlocked,
  BillingBlockedCode,
  BillingEventCreated,
  BillingEventHeld,
  BillingEventReleased,
  BillingEventReversed,
  BillingReversalCause,
  BillingSetupReady,
  InvoiceDrafted,
  InvoiceIssued,
  InvoicePaid,
  InvoiceVoided,
} from './events.ts';
export type { PostingFactsSource } from './posting-facts.ts';
export type { InvoicingFactsSource } from './invoicing-facts.ts';
export type { KpiFactsSource } from './kpi-facts.ts';
export { reconciliationTopics } from './reconciliation.ts';
export type { ReconciliationExceptionChanged, ReconciliationSettings } from './reconciliation.ts';
export type { ReconciliationFactsSource } from './reconciliation-facts.ts';
export type { ErpDatabase } from './tables.ts';

export const erpSubgraph: SubgraphModule<ErpDatabase> = {
  name: 'erp',
  // Posting an approved time entry reads the worker's cost rate (hcm: FINANCE only) through the gateway; re-driving
  // reconciliation asks time to publish approvals again (FINANCE too).
  serviceRoles: ['FINANCE'],
  openDatabase: openErpDatabase,
  create: (deps) =>
    createErpSubgraph(
      deps,
      {
        ...(deps.graph
          ? {
              postingFacts: createGraphPostingFacts(deps.graph),
              invoicingFacts: createGraphInvoicingFacts(deps.graph),
              kpiFacts: createGraphKpiFacts(deps.graph),
              projectBudgetFacts: createGraphProjectBudgetFacts(deps.graph),
              reconciliationFacts: createGraphReconciliationFacts(deps.graph),
              approvalRepublisher: createGraphApprovalRepublisher(deps.graph),
            }
          : {}),
        reconciliation: deps.config?.reconciliation,
      },
    ),
  seed: seedErp,
};
