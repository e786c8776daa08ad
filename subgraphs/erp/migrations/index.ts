import type { Migration } from 'kysely';
import * as initial from './2026-11-25T2100-initial.ts';
import * as billingModels from './2026-11-26T1000-billing-models.ts';
import * as invoiceGrouping from './2026-11-26T1100-invoice-grouping.ts';
import * as creditNotes from './2026-11-26T1200-credit-notes.ts';
import * as recurringBilling from './2026-11-26T1300-recurring-billing.ts';
import * as kpiIndexes from './2026-12-02T0750-kpi-indexes.ts';
import * as percentComplete from './2026-12-02T1930-percent-complete.ts';
import * as dropRevenueTables from './2026-12-02T1940-drop-revenue-tables.ts';
import * as coveredByFee from './2026-12-02T1950-covered-by-fee.ts';
import * as reconciliation from './2026-12-02T2000-reconciliation.ts';
import * as taxRounding from './2026-12-02T2100-tax-rounding.ts';
import * as fxRates from './2026-12-03T1000-fx-rates.ts';
import * as eventDurability from './2026-12-07T0300-event-durability.ts';
import * as retainerHours from './2026-12-07T0600-retainer-hours.ts';
import * as uncostedTime from './2026-12-07T0601-uncosted-time.ts';
import * as invoiceGroupLabels from './2026-12-07T0610-invoice-group-labels.ts';
import * as idempotencyScope from './2026-12-07T0630-idempotency-scope.ts';
import * as changeTracking from './2026-12-07T1200-change-tracking.ts';
import * as invoicedExternally from './2026-12-07T1210-invoiced-externally.ts';
import * as eventTraceContext from './2026-12-07T1500-event-trace-context.ts';
import * as auditLog from './2026-12-07T1800-audit-log.ts';
import * as amountExplanation from './2026-12-07T2200-amount-explanation.ts';
import * as orderingInstants from './2026-12-08T0100-ordering-instants.ts';

/** Forward-only, applied in name order at start-up. Never edit a migration that has shipped: add a new one. */
export const erpMigrations: Record<string, Migration> = {
  '2026-11-25T2100-initial': initial,
  '2026-11-26T1000-billing-models': billingModels,
  '2026-11-26T1100-invoice-grouping': invoiceGrouping,
  '2026-11-26T1200-credit-notes': creditNotes,
  '2026-11-26T1300-recurring-billing': recurringBilling,
  '2026-12-02T0750-kpi-indexes': kpiIndexes,
  '2026-12-02T1930-percent-complete': percentComplete,
  '2026-12-02T1940-drop-revenue-tables': dropRevenueTables,
  '2026-12-02T1950-covered-by-fee': coveredByFee,
  '2026-12-02T2000-reconciliation': reconciliation,
  '2026-12-02T2100-tax-rounding': taxRounding,
  '2026-12-03T1000-fx-rates': fxRates,
  '2026-12-07T0300-event-durability': eventDurability,
  '2026-12-07T0600-retainer-hours': retainerHours,
  '2026-12-07T0601-uncosted-time': uncostedTime,
  '2026-12-07T0610-invoice-group-labels': invoiceGroupLabels,
  '2026-12-07T0630-idempotency-scope': idempotencyScope,
  '2026-12-07T1200-change-tracking': changeTracking,
  '2026-12-07T1210-invoiced-externally': invoicedExternally,
  '2026-12-07T1500-event-trace-context': eventTraceContext,
  '2026-12-07T1800-audit-log': auditLog,
  '2026-12-07T2200-amount-explanation': amountExplanation,
  '2026-12-08T0100-ordering-instants': orderingInstants,
};
