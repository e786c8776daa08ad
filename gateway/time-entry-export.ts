import type { ServerResponse } from 'node:http';
import { hasRole, type Identity } from '../lib/auth/identity.ts';
import { EXPORT_PAGE_SIZE } from '../lib/graphql/connection.ts';
import { isIsoDate } from '../lib/graphql/scalars.ts';
import { TIME_ENTRY_EXPORT_PATH, TIME_ENTRY_MONEY_PATH, type ExportedTimeEntry, type TimeEntryExportPage, type TimeEntryMoney as Money } from '../lib/http/export-endpoint.ts';
import type { GatewayContext } from './context.ts';
import { dateTimeParameter, streamExport, type ExportFormat, type ExportRow } from './export-stream.ts';
import { ExportError } from './payroll-export.ts';
import type { SubgraphExports } from './subgraph-exports.ts';

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

/** An entry as time's export endpoint gives it, with names. */
interface ExportedEntry {
  id: string; date: string; hours: string; billable: boolean; status: string; decidedAt: string | null; notes: string | null;
  updatedAt: string; workerId: string; projectId: string; taskId: string | null; roleId: string | null;
}

const named = ([id, date, hours, billable, status, decidedAt, notes, updatedAt, workerId, projectId, taskId, roleId]: ExportedTimeEntry): ExportedEntry => ({
  id, date, hours, billable, status, decidedAt, notes, updatedAt, workerId, projectId, taskId, roleId,
});

interface WorkerFields { id: string; employeeNumber: string; name: string; costCenter: { code: string } | null; legalEntity: { code: string } | null }
interface ProjectFields { id: string; code: string; name: string; customer: { id: string } | null }
interface CustomerFields { id: string; code: string; name: string }

/** The other subgraphs' fields of the export, by the entity that owns them: the graph's `worker { … }` and so on. */
const lookups = {
  Worker: { subgraph: 'hcm', typename: 'Worker', selection: 'id employeeNumber name costCenter { code } legalEntity { code }' },
  Role: { subgraph: 'hcm', typename: 'Role', selection: 'code' },
  Project: { subgraph: 'psa', typename: 'Project', selection: 'id code name customer { id }' },
  Task: { subgraph: 'psa', typename: 'Task', selection: 'wbs name' },
  Customer: { subgraph: 'crm', typename: 'Customer', selection: 'id code name' },
} as const;
type Typename = keyof typeof lookups;

/**
 * The entities an export's rows refer to, each read once per export from the subgraph that owns it, as the caller
 * (SubgraphExports.entities): a firm's million entries name a thousand workers and five hundred projects, so after
 * the first pages a page asks nothing. An entity's fields are as they were when the export first met it.
 */
function entityCache(exports: SubgraphExports, context: GatewayContext) {
  const known = new Map<Typename, Map<string, Record<string, unknown> | null>>(
    (Object.keys(lookups) as Typename[]).map((typename) => [typename, new Map()]),
  );
  async function load(subgraph: string, wanted: ReadonlyArray<{ typename: Typename; ids: Iterable<string | null> }>) {
    const missing = wanted.map(({ typename, ids }) => ({
      ...lookups[typename],
      ids: [...new Set([...ids].filter((id): id is string => id !== null && !known.get(typename)!.has(id)))],
    }));
    if (missing.every((lookup) => lookup.ids.length === 0)) return;
    const found = await exports.entities(subgraph, missing, context);
    for (const [typename, entities] of found) for (const [id, entity] of entities) known.get(typename as Typename)!.set(id, entity);
  }
  return {
    get: <T>(typename: Typename, id: string | null) => (id === null ? null : ((known.get(typename)!.get(id) ?? null) as T | null)),
    /** Reads what `entries` refer to and is not known yet: hcm and psa at once, then crm for the projects' customers. */
    async loadFor(entries: readonly ExportedEntry[]) {
      await Promise.all([
        load(lookups.Worker.subgraph, [
          { typename: 'Worker', ids: entries.map((e) => e.workerId) },
          { typename: 'Role', ids: entries.map((e) => e.roleId) },
        ]),
        load(lookups.Project.subgraph, [
          { typename: 'Project', ids: entries.map((e) => e.projectId) },
          { typename: 'Task', ids: entries.map((e) => e.taskId) },
        ]),
      ]);
      const customerIds = entries.map((e) => (known.get('Project')!.get(e.projectId) as ProjectFields | null)?.customer?.id ?? null);
      await load(lookups.Customer.subgraph, [{ typename: 'Customer', ids: customerIds }]);
    },
  };
}

type Entities = ReturnType<typeof entityCache>;

const rowOf = (entry: ExportedEntry, entities: Entities): ExportRow => {
  const worker = entities.get<WorkerFields>('Worker', entry.workerId);
  const role = entities.get<{ code: string }>('Role', entry.roleId);
  const task = entities.get<{ wbs: string; name: string }>('Task', entry.taskId);
  const project = entities.get<ProjectFields>('Project', entry.projectId);
  const customer = entities.get<CustomerFields>('Customer', project?.customer?.id ?? null);
  return {
    id: entry.id, date: entry.date, hours: entry.hours, billable: entry.billable, status: entry.status,
    // decidedAt is the approval for an APPROVED entry (a rejection's for a REJECTED one: not an approval).
    approved_at: entry.status === 'APPROVED' ? entry.decidedAt : null, notes: entry.notes,
    worker_id: worker?.id ?? null, employee_number: worker?.employeeNumber ?? null, worker_name: worker?.name ?? null,
    cost_center_code: worker?.costCenter?.code ?? null, legal_entity_code: worker?.legalEntity?.code ?? null,
    role_code: role?.code ?? null, task_wbs: task?.wbs ?? null, task_name: task?.name ?? null,
    project_id: project?.id ?? null, project_code: project?.code ?? null, project_name: project?.name ?? null,
    customer_id: customer?.id ?? null, customer_code: customer?.code ?? null, customer_name: customer?.name ?? null,
    updated_at: entry.updatedAt,
  };
};

const moneyOf = (money: Money | undefined): ExportRow => ({
  rate: money?.rate ?? null, amount: money?.amount ?? null, currency: money?.currency ?? null,
  cost_rate: money?.costRate ?? null, cost_amount: money?.costAmount ?? null, cost_currency: money?.costCurrency ?? null,
});

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
 * `GET /exports/time-entries.csv|jsonl`: time's entries as the graph's `timeEntries` gives them to the caller (time's
 * visibility applies unchanged: a worker exports their own rows, asking for another's is FORBIDDEN), with the worker
 * (hcm), project and task (psa) and customer (crm) fields, streamed (export-stream.ts). For FINANCE and ADMIN each row
 * also carries its money from erp (timeEntryMoneyColumns).
 *
 * Not a GraphQL execution per row: time pages its entries through its export endpoint (EXPORT_PAGE_SIZE a page, the
 * same query, order and cursors as `timeEntries`), erp answers a page's money in one call (the same reads as
 * `TimeEntry.billing` and `costPosting`), and the other subgraphs' entities are read once per export by `_entities`.
 * The next page is fetched while one is written.
 */
export function streamTimeEntries(
  exports: SubgraphExports,
  context: GatewayContext,
  search: URLSearchParams,
  format: ExportFormat,
  res: ServerResponse,
): Promise<{ rows: number }> {
  const filter = exportFilterOf(search);
  const withMoney = readsLedger(context.identity);
  const entities = entityCache(exports, context);
  type Node = { entry: ExportedEntry; money?: Money };
  return streamExport<Node>(
    {
      filename: 'time-entries',
      columns: withMoney ? [...timeEntryColumns, ...timeEntryMoneyColumns] : timeEntryColumns,
      async fetchPage(after) {
        const page = await exports.ask<TimeEntryExportPage>('time', TIME_ENTRY_EXPORT_PATH, { filter, first: EXPORT_PAGE_SIZE, after }, context);
        const entries = page.entries.map(named);
        const facts = entries.map(({ id, billable, status }) => ({ id, billable, status }));
        const [, money] = await Promise.all([
          entities.loadFor(entries),
          withMoney && facts.length > 0
            ? exports.ask<{ money: Record<string, Money> }>('erp', TIME_ENTRY_MONEY_PATH, { entries: facts }, context)
            : null,
        ]);
        return {
          nodes: entries.map((entry) => ({ entry, money: money?.money[entry.id] })),
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        };
      },
      rowsOf: ({ entry, money }) => [withMoney ? { ...rowOf(entry, entities), ...moneyOf(money) } : rowOf(entry, entities)],
    },
    format,
    res,
  );
}
