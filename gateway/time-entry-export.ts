import type { ServerResponse } from 'node:http';
import { hasRole, type Identity } from '../lib/auth/identity.ts';
import { EXPORT_PAGE_SIZE } from '../lib/graphql/connection.ts';
import { isIsoDate } from '../lib/graphql/scalars.ts';
import {
  TIME_ENTRY_EXPORT_PATH,
  TIME_ENTRY_MONEY_PATH,
  type ExportedTimeEntry,
  type TimeEntryExportPage,
  type TimeEntryMoney,
  type TimeEntryMoneyQuestion,
} from '../lib/http/export-endpoint.ts';
import type { GatewayContext } from './context.ts';
import { cellsOf, dateTimeParameter, streamExport, type ExportFormat, type RowFormat } from './export-stream.ts';
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

/** Where each of an entry's fields sits in time's tuple (ExportedTimeEntry). */
const field = {
  id: 0, date: 1, hours: 2, billable: 3, status: 4, decidedAt: 5, notes: 6, updatedAt: 7, workerId: 8, projectId: 9, taskId: 10, roleId: 11,
} as const;

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
    const missing = wanted.map(({ typename, ids }) => {
      const have = known.get(typename)!;
      const unknown = new Set<string>();
      for (const id of ids) if (id !== null && !have.has(id)) unknown.add(id);
      return { ...lookups[typename], ids: [...unknown] };
    });
    if (missing.every((lookup) => lookup.ids.length === 0)) return;
    const found = await exports.entities(subgraph, missing, context);
    for (const [typename, entities] of found) for (const [id, entity] of entities) known.get(typename as Typename)!.set(id, entity);
  }
  return {
    get: <T>(typename: Typename, id: string | null) => (id === null ? null : ((known.get(typename)!.get(id) ?? null) as T | null)),
    /** Reads what `entries` refer to and is not known yet: hcm and psa at once, then crm for the projects' customers. */
    async loadFor(entries: readonly ExportedTimeEntry[]) {
      await Promise.all([
        load(lookups.Worker.subgraph, [
          { typename: 'Worker', ids: entries.map((e) => e[field.workerId]) },
          { typename: 'Role', ids: entries.map((e) => e[field.roleId]) },
        ]),
        load(lookups.Project.subgraph, [
          { typename: 'Project', ids: entries.map((e) => e[field.projectId]) },
          { typename: 'Task', ids: entries.map((e) => e[field.taskId]) },
        ]),
      ]);
      const customerIds = entries.map((e) => (known.get('Project')!.get(e[field.projectId]) as ProjectFields | null)?.customer?.id ?? null);
      await load(lookups.Customer.subgraph, [{ typename: 'Customer', ids: customerIds }]);
    },
  };
}

type Entities = ReturnType<typeof entityCache>;

/**
 * The time-entry export's lines in `format`. An entity's cells (a worker's five, a project's with its customer's
 * six) are written once per export and joined into each of its rows: a million entries name a thousand workers. The
 * columns are timeEntryColumns (and timeEntryMoneyColumns) in order, each value the one the graph gives.
 */
function timeEntryLines(format: RowFormat, entities: Entities, withMoney: boolean) {
  const writers = (columns: readonly string[]) => columns.map((column) => format.cell(column));
  const [id, date, hours, billable, status, approvedAt, notes] = writers(timeEntryColumns.slice(0, 7));
  const updatedAt = format.cell('updated_at');
  const workerCells = writers(['worker_id', 'employee_number', 'worker_name', 'cost_center_code', 'legal_entity_code']);
  const roleCells = writers(['role_code']);
  const taskCells = writers(['task_wbs', 'task_name']);
  const projectCells = writers(['project_id', 'project_code', 'project_name', 'customer_id', 'customer_code', 'customer_name']);
  const moneyCells = writers(timeEntryMoneyColumns);
  /** Per typename, each entity's cells (the key '' for none). */
  const written = new Map<string, Map<string, string>>();
  const cellsOnce = (typename: string, key: string | null, write: () => string) => {
    let byKey = written.get(typename);
    if (!byKey) written.set(typename, (byKey = new Map()));
    let cells = byKey.get(key ?? '');
    if (cells === undefined) byKey.set(key ?? '', (cells = write()));
    return cells;
  };
  const worker = (workerId: string) =>
    cellsOnce('Worker', workerId, () => {
      const found = entities.get<WorkerFields>('Worker', workerId);
      return cellsOf(workerCells, [found?.id ?? null, found?.employeeNumber ?? null, found?.name ?? null, found?.costCenter?.code ?? null, found?.legalEntity?.code ?? null]);
    });
  const role = (roleId: string | null) => cellsOnce('Role', roleId, () => cellsOf(roleCells, [entities.get<{ code: string }>('Role', roleId)?.code ?? null]));
  const task = (taskId: string | null) =>
    cellsOnce('Task', taskId, () => {
      const found = entities.get<{ wbs: string; name: string }>('Task', taskId);
      return cellsOf(taskCells, [found?.wbs ?? null, found?.name ?? null]);
    });
  const project = (projectId: string) =>
    cellsOnce('Project', projectId, () => {
      const found = entities.get<ProjectFields>('Project', projectId);
      const customer = entities.get<CustomerFields>('Customer', found?.customer?.id ?? null);
      return cellsOf(projectCells, [found?.id ?? null, found?.code ?? null, found?.name ?? null, customer?.id ?? null, customer?.code ?? null, customer?.name ?? null]);
    });
  const noMoney = cellsOf(moneyCells, moneyCells.map(() => null));
  return (e: ExportedTimeEntry, money: TimeEntryMoney | undefined) => {
    // decidedAt is the approval for an APPROVED entry (a rejection's for a REJECTED one: not an approval).
    const line =
      `${format.open}${id(e[field.id])},${date(e[field.date])},${hours(e[field.hours])},${billable(e[field.billable])},${status(e[field.status])},` +
      `${approvedAt(e[field.status] === 'APPROVED' ? e[field.decidedAt] : null)},${notes(e[field.notes])},` +
      `${worker(e[field.workerId])},${role(e[field.roleId])},${task(e[field.taskId])},${project(e[field.projectId])},${updatedAt(e[field.updatedAt])}`;
    if (!withMoney) return line + format.close;
    return `${line},${money ? cellsOf(moneyCells, money) : noMoney}${format.close}`;
  };
}

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
 * Rows are written as text straight from the pages (timeEntryLines). The pages overlap: while one is written, erp
 * prices the next and time reads the one after, so about three pages are held whatever the export's size.
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
  const timePage = (after: string | null) =>
    exports.ask<TimeEntryExportPage>('time', TIME_ENTRY_EXPORT_PATH, { filter, first: EXPORT_PAGE_SIZE, after }, context);
  // time's next page is asked as soon as a page's cursor is known, so time reads it while erp prices this one.
  let ahead: { after: string | null; page: Promise<TimeEntryExportPage> } | null = null;
  type Node = { entry: ExportedTimeEntry; money: TimeEntryMoney | undefined };
  return streamExport<Node>(
    {
      filename: 'time-entries',
      columns: withMoney ? [...timeEntryColumns, ...timeEntryMoneyColumns] : timeEntryColumns,
      async fetchPage(after) {
        const page = await (ahead?.after === after ? ahead.page : timePage(after));
        ahead = page.hasNextPage ? { after: page.endCursor, page: timePage(page.endCursor) } : null;
        // A rejection is handled when the page is awaited; this keeps Node from calling it unhandled meanwhile.
        ahead?.page.catch(() => undefined);
        const { entries } = page;
        const question: TimeEntryMoneyQuestion[] = entries.map((e) => [e[field.id], e[field.billable], e[field.status]]);
        const [, answer] = await Promise.all([
          entities.loadFor(entries),
          withMoney && entries.length > 0
            ? exports.ask<{ money: TimeEntryMoney[] }>('erp', TIME_ENTRY_MONEY_PATH, { entries: question }, context)
            : null,
        ]);
        return {
          nodes: entries.map((entry, index) => ({ entry, money: answer?.money[index] })),
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        };
      },
      linesOf(format) {
        const lineOf = timeEntryLines(format, entities, withMoney);
        return ({ entry, money }) => lineOf(entry, money);
      },
    },
    format,
    res,
  );
}
