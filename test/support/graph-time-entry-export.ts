import assert from 'node:assert/strict';
import type { Role } from '../../lib/auth/identity.ts';
import { MAX_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import type { HubHarness } from './hub-harness.ts';

type Row = Record<string, string | boolean | null>;

/**
 * The time-entry export as it was built before issue 20 (gateway/time-entry-export.ts until 2026-12-07): the graph's
 * `timeEntries` connection asked as the caller, page by page, with the federated worker, role, task, project and
 * customer fields and, for FINANCE and ADMIN, erp's money. Kept as the reference the export's rows must equal.
 */
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

const rowOf = (entry: any): Row => ({
  id: entry.id, date: entry.date, hours: entry.hours, billable: entry.billable, status: entry.status,
  approved_at: entry.status === 'APPROVED' ? entry.decidedAt : null, notes: entry.notes,
  worker_id: entry.worker?.id ?? null, employee_number: entry.worker?.employeeNumber ?? null, worker_name: entry.worker?.name ?? null,
  cost_center_code: entry.worker?.costCenter?.code ?? null, legal_entity_code: entry.worker?.legalEntity?.code ?? null,
  role_code: entry.role?.code ?? null, task_wbs: entry.task?.wbs ?? null, task_name: entry.task?.name ?? null,
  project_id: entry.project?.id ?? null, project_code: entry.project?.code ?? null, project_name: entry.project?.name ?? null,
  customer_id: entry.project?.customer?.id ?? null, customer_code: entry.project?.customer?.code ?? null, customer_name: entry.project?.customer?.name ?? null,
  updated_at: entry.updatedAt,
});

const moneyOf = (entry: any): Row => {
  const billed = entry.billing?.billingEvent ?? null;
  const cost = entry.costPosting ?? null;
  return {
    rate: billed?.rate?.amount ?? null, amount: billed?.amount.amount ?? null, currency: billed?.amount.currency ?? null,
    cost_rate: cost?.costRate?.amount ?? null, cost_amount: cost?.amount.amount ?? null, cost_currency: cost?.amount.currency ?? null,
  };
};

/** Every row the graph gives `as` for `filter`, in the export's order. */
export async function timeEntryRowsFromGraph(
  graph: HubHarness,
  filter: Record<string, unknown>,
  as: { roles: Role[]; workerId?: string | null },
  withMoney: boolean,
): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null = null;
  for (;;) {
    const response: { data?: any; errors?: unknown } = await graph.query(entryQuery(withMoney), { filter, after }, as);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const { nodes, pageInfo } = response.data.timeEntries as { nodes: any[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    for (const entry of nodes) rows.push(withMoney ? { ...rowOf(entry), ...moneyOf(entry) } : rowOf(entry));
    if (!pageInfo.hasNextPage) return rows;
    after = pageInfo.endCursor;
  }
}
