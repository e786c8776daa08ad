import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ApolloServer, GraphQLResponse } from '@apollo/server';
import { MAX_PAGE_SIZE } from '../lib/graphql/connection.ts';
import { isIsoDate } from '../lib/graphql/scalars.ts';
import { csvField } from '../lib/http/csv.ts';
import type { GatewayContext } from './context.ts';
import { ExportError } from './payroll-export.ts';

/** The columns of the time-entry export, in order (CSV header; the JSON lines' keys). */
export const timeEntryColumns = [
  'id', 'date', 'hours', 'billable', 'status', 'approved_at', 'notes',
  'worker_id', 'employee_number', 'worker_name', 'cost_center_code', 'legal_entity_code',
  'role_code', 'task_wbs', 'task_name',
  'project_id', 'project_code', 'project_name', 'customer_id', 'customer_code', 'customer_name',
] as const;
type Row = Record<(typeof timeEntryColumns)[number], string | boolean | null>;

const entryQuery = `query TimeEntryExport($filter: TimeEntryFilter, $after: String) {
  timeEntries(filter: $filter, first: ${MAX_PAGE_SIZE}, after: $after) {
    nodes {
      id date hours billable status decidedAt notes
      worker { id employeeNumber name costCenter { code } legalEntity { code } }
      role { code }
      task { wbs name }
      project { id code name customer { id code name } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface EntryNode {
  id: string; date: string; hours: string; billable: boolean; status: string; decidedAt: string | null; notes: string | null;
  worker: { id: string; employeeNumber: string; name: string; costCenter: { code: string } | null; legalEntity: { code: string } | null } | null;
  role: { code: string } | null;
  task: { wbs: string; name: string } | null;
  project: { id: string; code: string; name: string; customer: { id: string; code: string; name: string } | null } | null;
}
interface EntryPage {
  timeEntries: { nodes: EntryNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

const rowOf = (entry: EntryNode): Row => ({
  id: entry.id, date: entry.date, hours: entry.hours, billable: entry.billable, status: entry.status,
  // decidedAt is the approval for an APPROVED entry (a rejection's for a REJECTED one: not an approval).
  approved_at: entry.status === 'APPROVED' ? entry.decidedAt : null, notes: entry.notes,
  worker_id: entry.worker?.id ?? null, employee_number: entry.worker?.employeeNumber ?? null, worker_name: entry.worker?.name ?? null,
  cost_center_code: entry.worker?.costCenter?.code ?? null, legal_entity_code: entry.worker?.legalEntity?.code ?? null,
  role_code: entry.role?.code ?? null, task_wbs: entry.task?.wbs ?? null, task_name: entry.task?.name ?? null,
  project_id: entry.project?.id ?? null, project_code: entry.project?.code ?? null, project_name: entry.project?.name ?? null,
  customer_id: entry.project?.customer?.id ?? null, customer_code: entry.project?.customer?.code ?? null, customer_name: entry.project?.customer?.name ?? null,
});

export type ExportFormat = 'csv' | 'jsonl';

const formats: Record<ExportFormat, { contentType: string; header: string; line(row: Row): string }> = {
  csv: {
    contentType: 'text/csv; charset=utf-8',
    header: `${timeEntryColumns.join(',')}\r\n`,
    line: (row) => `${timeEntryColumns.map((column) => csvField(row[column] === null ? '' : String(row[column]))).join(',')}\r\n`,
  },
  jsonl: { contentType: 'application/x-ndjson; charset=utf-8', header: '', line: (row) => `${JSON.stringify(row)}\n` },
};

const entryStatuses = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'];

/**
 * The export's query parameters as time's TimeEntryFilter: from, to (dates), status (comma-separated), approvedAfter,
 * approvedBefore (ISO date-times), projectId, workerId, customerId, billable. Checked here, not left to the scalars: a
 * subgraph's refusal of a variable reaches the client through the gateway as a bare "400" without its code.
 */
export function exportFilterOf(search: URLSearchParams): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const name of ['from', 'to']) {
    const value = search.get(name);
    if (value === null) continue;
    if (!isIsoDate(value)) throw new ExportError('BAD_USER_INPUT', `${name}: a date YYYY-MM-DD`);
    filter[name] = value;
  }
  for (const name of ['approvedAfter', 'approvedBefore']) {
    const value = search.get(name);
    if (value === null) continue;
    if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(Date.parse(value))) {
      throw new ExportError('BAD_USER_INPUT', `${name}: an ISO-8601 date-time`);
    }
    filter[name] = new Date(value).toISOString();
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
 * worker (hcm), project (psa) and customer (crm) fields federated per page, every page by cursor. Rows are written
 * as each page arrives, waiting for the socket to drain (backpressure), and the next page is fetched while one is
 * written, so memory holds about two pages whatever the size. A refusal of the first page is an HTTP error; a
 * failure later can only cut the stream short (the status is sent), which the response then ends without its
 * trailing newline and the log records.
 */
export async function streamTimeEntries(
  apollo: ApolloServer<GatewayContext>,
  context: GatewayContext,
  search: URLSearchParams,
  format: ExportFormat,
  res: ServerResponse,
): Promise<{ rows: number }> {
  const filter = exportFilterOf(search);
  const fetchPage = async (after: string | null) => {
    const response: GraphQLResponse<EntryPage> = await apollo.executeOperation<EntryPage>({ query: entryQuery, variables: { filter, after } }, { contextValue: context });
    if (response.body.kind !== 'single') throw new ExportError('INTERNAL_SERVER_ERROR', 'unexpected incremental response');
    const { data, errors } = response.body.singleResult;
    if (errors?.length || !data) {
      const [first] = errors ?? [];
      throw new ExportError(String(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), first?.message ?? 'no data');
    }
    return data.timeEntries;
  };
  const writer = formats[format];
  let page = await fetchPage(null);
  res.writeHead(200, {
    'content-type': writer.contentType,
    'content-disposition': `attachment; filename="time-entries.${format}"`,
    'cache-control': 'no-store',
  });
  let closed = false;
  res.once('close', () => (closed = true));
  if (writer.header) res.write(writer.header);
  let rows = 0;
  for (;;) {
    const next = page.pageInfo.hasNextPage ? fetchPage(page.pageInfo.endCursor) : null;
    // A rejection of the prefetched page is handled when it is awaited; this keeps Node from calling it unhandled meanwhile.
    next?.catch(() => undefined);
    let chunk = '';
    for (const entry of page.nodes) {
      chunk += writer.line(rowOf(entry));
      rows += 1;
      if (chunk.length >= 64 * 1024) {
        if (!res.write(chunk) && !closed) await once(res, 'drain');
        chunk = '';
      }
      if (closed) return { rows };
    }
    if (chunk && !res.write(chunk) && !closed) await once(res, 'drain');
    if (!next || closed) break;
    page = await next;
  }
  res.end();
  return { rows };
}
