import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ApolloServer, GraphQLResponse } from '@apollo/server';
import { isIsoDate } from '../lib/graphql/scalars.ts';
import { csvField } from '../lib/http/csv.ts';
import type { GatewayContext } from './context.ts';
import { ExportError } from './payroll-export.ts';

/**
 * What the streamed exports share (time entries, billing events, invoices, revenue): the graph asked as the caller,
 * page by page, and rows written as CSV or JSON lines as each page arrives, with backpressure, so memory holds about
 * two pages whatever the size. Money is written as the graph gives it: a decimal string beside its currency, never a
 * number (JSON lines too).
 */
export type ExportFormat = 'csv' | 'jsonl';
export type ExportRow = Record<string, string | boolean | null>;

export interface ExportPage<Node> {
  nodes: Node[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface ExportPlan<Node> {
  /** The download's name, without its extension. */
  filename: string;
  columns: readonly string[];
  fetchPage(after: string | null): Promise<ExportPage<Node>>;
  /** One node's rows (an invoice: one per line). */
  rowsOf?(node: Node): ExportRow[];
  /**
   * Instead of rowsOf: one node's row (or rows) as the format writes them, each a whole line, so the plan may write
   * the cells it repeats once.
   */
  linesOf?(format: RowFormat): (node: Node) => string | string[];
}

/**
 * One operation through the gateway as the caller (so the subgraphs' access rules and validation apply unchanged); a
 * refusal is the export's error, with the graph's code (FORBIDDEN, BAD_USER_INPUT…) and its HTTP status.
 */
export async function runAsCaller<Data>(apollo: ApolloServer<GatewayContext>, context: GatewayContext, query: string, variables: Record<string, unknown>): Promise<Data> {
  const response: GraphQLResponse<Record<string, unknown>> = await apollo.executeOperation<Record<string, unknown>>({ query, variables }, { contextValue: context });
  if (response.body.kind !== 'single') throw new ExportError('INTERNAL_SERVER_ERROR', 'unexpected incremental response');
  const { data, errors } = response.body.singleResult;
  if (errors?.length || !data) {
    const [first] = errors ?? [];
    throw new ExportError(String(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), first?.message ?? 'no data');
  }
  return data as Data;
}

const contentTypes: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' };

/**
 * How a format writes a row: each cell by its column (a JSON line's with its key), cells joined by commas, between
 * `open` and `close`. A plan that repeats cells across rows (the same worker's on thousands of time entries) may
 * write them once and join the text (ExportPlan.linesOf).
 */
export interface RowFormat {
  readonly header: string;
  readonly open: string;
  readonly close: string;
  /** The writer of one column's cells. */
  cell(column: string): (value: string | boolean | null) => string;
}

export function rowFormatOf(format: ExportFormat, columns: readonly string[]): RowFormat {
  if (format === 'jsonl') {
    return {
      header: '',
      open: '{',
      close: '}\n',
      cell(column) {
        const key = `${JSON.stringify(column)}:`;
        return (value) => key + JSON.stringify(value);
      },
    };
  }
  return {
    header: `${columns.join(',')}\r\n`,
    open: '',
    close: '\r\n',
    cell: () => (value) => (value === null ? '' : csvField(typeof value === 'string' ? value : String(value))),
  };
}

/** Cells of `columns` (a part of a row), each writer applied to its value in order, joined. */
export function cellsOf(writers: ReadonlyArray<(value: string | boolean | null) => string>, values: ReadonlyArray<string | boolean | null>): string {
  let text = writers[0](values[0]);
  for (let index = 1; index < writers.length; index++) text += `,${writers[index](values[index])}`;
  return text;
}

function writerOf<Node>(plan: ExportPlan<Node>, format: ExportFormat) {
  const rows = rowFormatOf(format, plan.columns);
  if (plan.linesOf) return { header: rows.header, linesOf: plan.linesOf(rows) };
  const writers = plan.columns.map((column) => rows.cell(column));
  const line = (row: ExportRow) => rows.open + cellsOf(writers, plan.columns.map((column) => row[column] ?? null)) + rows.close;
  return { header: rows.header, linesOf: (node: Node) => plan.rowsOf!(node).map(line) };
}

/**
 * Streams every page of `plan` to `res`. The first page is fetched before the status is sent, so a refusal is an
 * HTTP error; a failure later can only cut the stream short (the caller destroys the response). The next page is
 * fetched while one is written.
 */
export async function streamExport<Node>(plan: ExportPlan<Node>, format: ExportFormat, res: ServerResponse): Promise<{ rows: number }> {
  const writer = writerOf(plan, format);
  let page = await plan.fetchPage(null);
  res.writeHead(200, {
    'content-type': contentTypes[format],
    'content-disposition': `attachment; filename="${plan.filename}.${format}"`,
    'cache-control': 'no-store',
  });
  let closed = false;
  res.once('close', () => (closed = true));
  if (writer.header) res.write(writer.header);
  let rows = 0;
  for (;;) {
    const next = page.pageInfo.hasNextPage ? plan.fetchPage(page.pageInfo.endCursor) : null;
    // A rejection of the prefetched page is handled when it is awaited; this keeps Node from calling it unhandled meanwhile.
    next?.catch(() => undefined);
    let chunk = '';
    for (const node of page.nodes) {
      const lines = writer.linesOf(node);
      if (typeof lines === 'string') {
        chunk += lines;
        rows += 1;
      } else {
        for (const line of lines) chunk += line;
        rows += lines.length;
      }
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

/**
 * The format asked: the path's extension (`.csv`, `.jsonl`), else `?format=csv|jsonl`, else `Accept`
 * (application/x-ndjson, application/jsonl or application/json-lines → JSON lines), else CSV.
 */
export function exportFormatOf(path: string, search: URLSearchParams, accept: string | undefined): ExportFormat {
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.jsonl')) return 'jsonl';
  const asked = search.get('format');
  if (asked !== null) {
    if (asked !== 'csv' && asked !== 'jsonl') throw new ExportError('BAD_USER_INPUT', 'format: csv or jsonl');
    return asked;
  }
  return /application\/(x-ndjson|jsonl|json-lines|x-jsonlines)/.test(accept ?? '') ? 'jsonl' : 'csv';
}

/**
 * Query parameters checked here, not left to the scalars: a subgraph's refusal of a variable reaches the client
 * through the gateway as a bare "400" without its code.
 */
export function dateParameter(search: URLSearchParams, name: string, required = false): string | null {
  const value = search.get(name);
  if (value === null || value === '') {
    if (required) throw new ExportError('BAD_USER_INPUT', `${name}: required, a date YYYY-MM-DD`);
    return null;
  }
  if (!isIsoDate(value)) throw new ExportError('BAD_USER_INPUT', `${name}: a date YYYY-MM-DD`);
  return value;
}

export function dateTimeParameter(search: URLSearchParams, name: string): string | null {
  const value = search.get(name);
  if (value === null || value === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ExportError('BAD_USER_INPUT', `${name}: an ISO-8601 date-time`);
  }
  return new Date(value).toISOString();
}

/** A comma-separated list of enum values, each one of `allowed`. */
export function enumListParameter(search: URLSearchParams, name: string, allowed: readonly string[]): string[] | null {
  const value = search.get(name);
  if (value === null) return null;
  const values = value.split(',').map((item) => item.trim().toUpperCase()).filter(Boolean);
  const unknown = values.find((item) => !allowed.includes(item));
  if (unknown) throw new ExportError('BAD_USER_INPUT', `${name}: ${unknown} is not one of ${allowed.join(', ')}`);
  return values;
}

export function enumParameter(search: URLSearchParams, name: string, allowed: readonly string[]): string | null {
  const [value, ...more] = enumListParameter(search, name, allowed) ?? [];
  if (more.length) throw new ExportError('BAD_USER_INPUT', `${name}: one value`);
  return value ?? null;
}

/** An id parameter (bounded, as the graph's ids are). */
export const idParameter = (search: URLSearchParams, name: string): string | null => search.get(name)?.slice(0, 100) || null;

/** `Money` as two columns' values: its decimal string and its currency. */
export const moneyColumns = (money: { amount: string; currency: string } | null | undefined) => [money?.amount ?? null, money?.currency ?? null] as const;
