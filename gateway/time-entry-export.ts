import type { ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { hasRole, type Identity } from '../lib/auth/identity.ts';
import { MAX_PAGE_SIZE } from '../lib/graphql/connection.ts';
import { isIsoDate } from '../lib/graphql/scalars.ts';
import type { GatewayContext } from './context.ts';
import { dateTimeParameter, runAsCaller, streamExport, type ExportFormat, type ExportPage, type ExportRow } from './export-stream.ts';
import { ExportError } from './payroll-export.ts';

export type { ExportFormat } from './export-stream.ts';

/** The columns of the time-entry export, in order (CSV header; the JSON lines' keys). */
export const timeEntryColumns = [
  'id', 'date', 'hours', 'billable', 'status', 'approved_at', 'notes',
  'worker_id', 'employee_number', 'worker_name', 'cost_center_code', 'legal_entity_code',
  'role_code', 'task_wbs', 'task_name',
  'project_id', 'project_code', 'project_name', 'customer_id', 'customer_code', 'customer_name', 'updated_at',
] as const;

/**
 * The money of an approved entry, from erp's ledger: what its billing event bills (the bill rate time froze at
 * approval, the amount and its currency) and what its cost posting costs (the worker's cost rate and the amount, in
 * the cost's currency, which may differ). Columns for FINANCE and ADMIN only, who read the ledger (README, field-level
 * access); for anyone else the export has none of them. Empty for entries erp has not posted, or not billed.
 */
export const timeEntryMoneyColumns = ['rate', 'amount', 'currency', 'cost_rate', 'cost_amount', 'cost_currency'] as const;

/** Whether the caller's export carries the money columns: the roles that read erp's ledger. */
export const readsLedger = (identity: Identity) => hasRole(identity, 'FINANCE', 'ADMIN');

const entryQuery = (withMoney: boolean) => `query TimeEntryExport($filter: TimeEntryFilter, $after: String) {
  timeEntries(filter: $filter, first: ${MAX_PAGE_SIZE}, after: $after) {
    nodes {
      id date hours billable status decidedAt notes updatedAt
      worker { id employeeNumber name costCenter { code } legalEntity { code } }
      role { code }
      task { wbs name }
      project { id code name customer { id code name } }
      ${withMoney ? 'billing { billingEvent { rate { amount } amount { amount currency } } } costPosting { costRate { amount } amount { amount currency } }' : ''}
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Money = { amount: string; currency: string };
interface EntryNode {
  id: string; date: string; hours: string; billable: boolean; status: string; decidedAt: string | null; notes: string | null; updatedAt: string;
  worker: { id: string; employeeNumber: string; name: string; costCenter: { code: string } | null; legalEntity: { code: string } | null } | null;
  role: { code: string } | null;
  task: { wbs: string; name: string } | null;
  project: { id: string; code: string; name: string; customer: { id: string; code: string; name: string } | null } | null;
  billing?: { billingEvent: { rate: { amount: string } | null; amount: Money } | null };
  costPosting?: { costRate: { amount: string } | null; amount: Money } | null;
}

const rowOf = (entry: EntryNode): ExportRow => ({
  id: entry.id, date: entry.date, hours: entry.hours, billable: entry.billable, status: entry.status,
  // decidedAt is the approval for an APPROVED entry (a rejection's for a REJECTED one: not an approval).
  approved_at: entry.status === 'APPROVED' ? entry.decidedAt : null, notes: entry.notes,
  worker_id: entry.worker?.id ?? null, employee_number: entry.worker?.employeeNumber ?? null, worker_name: entry.worker?.name ?? null,
  cost_center_code: entry.worker?.costCenter?.code ?? null, legal_entity_code: entry.worker?.legalEntity?.code ?? null,
  role_code: entry.role?.code ?? null, task_wbs: entry.task?.wbs ?? null, task_name: entry.task?.name ?? null,
  project_id: entry.project?.id ?? null, project_code: entry.project?.code ?? null, project_name: entry.project?.name ?? null,
  customer_id: entry.project?.customer?.id ?? null, customer_code: entry.project?.customer?.code ?? null, customer_name: entry.project?.customer?.name ?? null,
  updated_at: entry.updatedAt,
});

const moneyOf = (entry: EntryNode): ExportRow => {
  const billed = entry.billing?.billingEvent ?? null;
  const cost = entry.costPosting ?? null;
  return {
    rate: billed?.rate?.amount ?? null, amount: billed?.amount.amount ?? null, currency: billed?.amount.currency ?? null,
    cost_rate: cost?.costRate?.amount ?? null, cost_amount: cost?.amount.amount ?? null, cost_currency: cost?.amount.currency ?? null,
  };
};

const entryStatuses = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'];

/**
 * The export's query parameters as time's TimeEntryFilter: from, to (dates), status (comma-separated), approvedAfter,
 * approvedBefore, updatedAfter (ISO date-times; updatedAfter pages in change order), projectId, workerId, customerId,
 * billable. Checked here, not left to the scalars: a subgraph's refusal of a variable reaches the client through the
 * gateway as a bare "400" without its code.
 */
export function exportFilterOf(search: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const name of ['from', 'to']) {
    const value = search.get(name);
    if (value === null) continue;
    if (!isIsoDate(value)) throw new ExportError('BAD_USER_INPUT', `${name}: a date YYYY-MM-DD`);
    filter[name] = value;
  }
  for (const name of ['approvedAfter', 'approvedBefore', 'updatedAfter']) {
    const value = dateTimeParameter(search, name);
    if (value !== null) filter[name] = value;
  }
  const status = search.get('status');
  if (status !== null) {
    const statuses = status.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    const unknown = statuses.find((s) => !entryStatuses.includes(s));
    if (unknown) throw new ExportError('BAD_USER_INPUT', `status: ${unknown} is not one of ${entryStatuses.join(', ')}`);
    filter.status = statuses;
  }
  for (const name of ['projectId', 'workerId', 'customerId']) {
    const value = search.get(name);
    if (value) filter[name] = value.slice(0, 100);
  }
  const billable = search.get('billable');
  if (billable !== null) {
    if (billable !== 'true' && billable !== 'false') throw new ExportError('BAD_USER_INPUT', 'billable: true or false');
    filter.billable = billable === 'true';
  }
  return filter;
}

/**
 * `GET /exports/time-entries.csv|jsonl`: time's `timeEntries` connection run through the gateway as the caller (so
 * time's visibility applies unchanged: a worker exports their own rows, asking for another's is FORBIDDEN), with the
 * worker (hcm), project (psa) and customer (crm) fields federated per page, every page by cursor, streamed
 * (export-stream.ts). For FINANCE and ADMIN each row also carries its money from erp (timeEntryMoneyColumns).
 */
export function streamTimeEntries(
  apollo: ApolloServer<GatewayContext>,
  context: GatewayContext,
  search: URLSearchParams,
  format: ExportFormat,
  res: ServerResponse,
): Promise<{ rows: number }> {
  const filter = exportFilterOf(search);
  const withMoney = readsLedger(context.identity);
  const query = entryQuery(withMoney);
  return streamExport(
    {
      filename: 'time-entries',
      columns: withMoney ? [...timeEntryColumns, ...timeEntryMoneyColumns] : timeEntryColumns,
      fetchPage: async (after) => (await runAsCaller<{ timeEntries: ExportPage<EntryNode> }>(apollo, context, query, { filter, after })).timeEntries,
      rowsOf: (entry) => [withMoney ? { ...rowOf(entry), ...moneyOf(entry) } : rowOf(entry)],
    },
    format,
    res,
  );
}
