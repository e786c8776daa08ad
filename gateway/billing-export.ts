import type { ApolloServer } from '@apollo/server';
import { MAX_PAGE_SIZE } from '../lib/graphql/connection.ts';
import type { GatewayContext } from './context.ts';
import {
  dateParameter,
  dateTimeParameter,
  enumListParameter,
  enumParameter,
  idParameter,
  runAsCaller,
  type ExportPage,
  type ExportPlan,
  type ExportRow,
} from './export-stream.ts';

/** The columns of the billing export, in order (CSV header; the JSON lines' keys). */
export const billingEventColumns = [
  'id', 'source_type', 'source_id', 'status', 'held_reason', 'date', 'description',
  'contract_id', 'project_id', 'project_code', 'customer_id', 'customer_code', 'legal_entity_id', 'worker_id', 'role_id', 'task_id',
  'hours', 'rate', 'amount', 'currency', 'fx_rate', 'functional_amount', 'functional_currency',
  'cost_rate', 'cost_amount', 'cost_currency',
  'invoice_id', 'invoice_number', 'invoice_line_id', 'created_at', 'updated_at', 'reversed_at',
] as const;

const billingQuery = `query BillingEventExport($filter: BillingEventFilter, $after: String) {
  billingEvents(filter: $filter, first: ${MAX_PAGE_SIZE}, after: $after) {
    nodes {
      id sourceType sourceId status heldReason date description
      contract { id } project { id code } customer { id code } legalEntity { id } worker { id } role { id } task { id }
      hours rate { amount currency } amount { amount currency } fxRate functionalAmount { amount currency }
      costPosting { costRate { amount currency } amount { amount currency } }
      invoiceLine { id invoice { id number } }
      createdAt updatedAt reversedAt
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Money = { amount: string; currency: string };
interface BillingNode {
  id: string; sourceType: string; sourceId: string; status: string; heldReason: string | null; date: string; description: string;
  contract: { id: string }; project: { id: string; code: string | null } | null; customer: { id: string; code: string | null };
  legalEntity: { id: string }; worker: { id: string } | null; role: { id: string } | null; task: { id: string } | null;
  hours: string | null; rate: Money | null; amount: Money; fxRate: string | null; functionalAmount: Money | null;
  costPosting: { costRate: Money | null; amount: Money } | null;
  invoiceLine: { id: string; invoice: { id: string; number: string | null } } | null;
  createdAt: string; updatedAt: string; reversedAt: string | null;
}

const rowOf = (event: BillingNode): ExportRow => ({
  id: event.id, source_type: event.sourceType, source_id: event.sourceId, status: event.status, held_reason: event.heldReason, date: event.date,
  description: event.description, contract_id: event.contract.id, project_id: event.project?.id ?? null, project_code: event.project?.code ?? null,
  customer_id: event.customer.id, customer_code: event.customer.code, legal_entity_id: event.legalEntity.id, worker_id: event.worker?.id ?? null,
  role_id: event.role?.id ?? null, task_id: event.task?.id ?? null, hours: event.hours, rate: event.rate?.amount ?? null, amount: event.amount.amount,
  currency: event.amount.currency, fx_rate: event.fxRate, functional_amount: event.functionalAmount?.amount ?? null,
  functional_currency: event.functionalAmount?.currency ?? null, cost_rate: event.costPosting?.costRate?.amount ?? null,
  cost_amount: event.costPosting?.amount.amount ?? null, cost_currency: event.costPosting?.amount.currency ?? null,
  invoice_id: event.invoiceLine?.invoice.id ?? null, invoice_number: event.invoiceLine?.invoice.number ?? null, invoice_line_id: event.invoiceLine?.id ?? null,
  created_at: event.createdAt, updated_at: event.updatedAt, reversed_at: event.reversedAt,
});

const statuses = ['UNBILLED', 'BILLED', 'REVERSED', 'HELD', 'INVOICED_EXTERNALLY'];
const sourceTypes = ['TIME_ENTRY', 'EXPENSE', 'MILESTONE', 'RECURRING_FEE', 'RETAINER', 'OVERAGE', 'ADJUSTMENT', 'SCHEDULE', 'PERCENT_COMPLETE'];

/**
 * `GET /exports/billing-events[.csv|.jsonl]`: erp's billing events (the ledger: FINANCE and ADMIN; anyone else is
 * refused, 403 FORBIDDEN) with their money — rate, amount and currency, the functional amount, and for time and
 * expenses the source's cost rate and cost amount in the cost's currency — and the invoice that bills them. Query
 * parameters: `from`, `to` (event dates), `status`, `sourceType`, `contractId`, `projectId`, `customerId` and
 * `updatedAfter` (then in change order, for incremental pulls).
 */
export function billingEventExport(apollo: ApolloServer<GatewayContext>, context: GatewayContext, search: URLSearchParams): ExportPlan<BillingNode> {
  const filter = {
    from: dateParameter(search, 'from'),
    to: dateParameter(search, 'to'),
    status: enumListParameter(search, 'status', statuses),
    sourceType: enumParameter(search, 'sourceType', sourceTypes),
    contractId: idParameter(search, 'contractId'),
    projectId: idParameter(search, 'projectId'),
    customerId: idParameter(search, 'customerId'),
    updatedAfter: dateTimeParameter(search, 'updatedAfter'),
  };
  return {
    filename: 'billing-events',
    columns: billingEventColumns,
    fetchPage: async (after) =>
      (await runAsCaller<{ billingEvents: ExportPage<BillingNode> }>(apollo, context, billingQuery, { filter, after })).billingEvents,
    rowsOf: (event) => [rowOf(event)],
  };
}
