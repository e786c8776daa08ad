import { badInput } from '../../lib/errors.ts';
import { EXPORT_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../../lib/graphql/scalars.ts';
import { exportEndpoint, optionalString, TIME_ENTRY_EXPORT_PATH, type ExportedTimeEntry, type TimeEntryExportPage } from '../../lib/http/export-endpoint.ts';
import type { SignedIdentityPolicy } from '../../lib/auth/identity.ts';
import { checkDate } from '../../lib/validate.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import type { QueryScope, TimeQueries } from './service.ts';
import type { TimeEntryFilter } from './repository.ts';
import { entryStatuses, type EntryStatus, type TimeEntryRow } from './tables.ts';

type ExportedRow = Pick<
  TimeEntryRow,
  'id' | 'date' | 'hours' | 'billable' | 'status' | 'decided_at' | 'notes' | 'updated_at' | 'worker_id' | 'project_id' | 'task_id' | 'role_id'
>;

/**
 * A page's entries as tuples. `date` serializes as the graph's Date does; a page of 5,000 entries spans a few days, so
 * each date is checked once a page.
 */
function exportedPage(rows: readonly ExportedRow[]): ExportedTimeEntry[] {
  const dates = new Map<string, string>();
  const dateOf = (value: string) => {
    let serialized = dates.get(value);
    if (serialized === undefined) dates.set(value, (serialized = DateScalar.serialize(value) as string));
    return serialized;
  };
  return rows.map((row) => exported(row, dateOf(row.date)));
}

const exported = (entry: ExportedRow, date: string): ExportedTimeEntry => [
  entry.id,
  date,
  DecimalScalar.serialize(entry.hours) as string,
  entry.billable,
  entry.status,
  entry.decided_at === null ? null : (DateTimeScalar.serialize(entry.decided_at) as string),
  entry.notes,
  DateTimeScalar.serialize(entry.updated_at) as string,
  entry.worker_id,
  entry.project_id,
  entry.task_id,
  entry.role_id,
];

const instant = (body: Record<string, unknown>, field: string) => {
  const value = optionalString(body, field);
  if (value !== null && Number.isNaN(Date.parse(value))) throw badInput(`filter.${field}`, 'an ISO-8601 date-time');
  return value === null ? null : new Date(value);
};

/** The filter the gateway sends: `TimeEntryFilter`'s fields as JSON, checked as the graph's scalars would. */
function filterOf(value: unknown): TimeEntryFilter {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badInput('filter', 'an object');
  const body = value as Record<string, unknown>;
  const date = (field: string) => {
    const given = optionalString(body, field);
    return given === null ? null : checkDate(`filter.${field}`, given);
  };
  const status = body.status ?? null;
  if (status !== null && (!Array.isArray(status) || status.some((item) => !(entryStatuses as readonly unknown[]).includes(item)))) {
    throw badInput('filter.status', `a list of ${entryStatuses.join(', ')}`);
  }
  const billable = body.billable ?? null;
  if (billable !== null && typeof billable !== 'boolean') throw badInput('filter.billable', 'true or false');
  return {
    from: date('from'),
    to: date('to'),
    status: status as EntryStatus[] | null,
    approvedAfter: instant(body, 'approvedAfter'),
    approvedBefore: instant(body, 'approvedBefore'),
    updatedAfter: instant(body, 'updatedAfter'),
    projectId: optionalString(body, 'projectId'),
    workerId: optionalString(body, 'workerId'),
    customerId: optionalString(body, 'customerId'),
    billable: billable as boolean | null,
  };
}

/**
 * `POST /exports/time-entries` `{ filter, first, after }` → `{ entries, endCursor, hasNextPage }` (an entry is an
 * ExportedTimeEntry tuple): the pages of
 * the gateway's time-entry export (gateway/time-entry-export.ts). The same query as the graph's `timeEntries` as the
 * caller (visibility: a worker gets their own entries, naming another worker is FORBIDDEN), in pages of up to
 * EXPORT_PAGE_SIZE by the same cursors.
 */
export function createTimeExportEndpoint(options: {
  readonly identitySecret: string;
  readonly policy?: SignedIdentityPolicy;
  readonly timeQueries: TimeQueries;
  readonly createContext: (scope: RequestScope) => QueryScope;
}) {
  const handle = exportEndpoint(options, async (identity, body, correlationId) => {
    const first = body.first ?? EXPORT_PAGE_SIZE;
    if (typeof first !== 'number') throw badInput('first', `an integer from 0 to ${EXPORT_PAGE_SIZE}`);
    const scope = options.createContext({ identity, correlationId });
    const page = await options.timeQueries.timeEntryExportPage(scope, filterOf(body.filter), first, optionalString(body, 'after'));
    const answer: TimeEntryExportPage = { entries: exportedPage(page.nodes), endCursor: page.pageInfo.endCursor, hasNextPage: page.pageInfo.hasNextPage };
    return answer;
  });
  return { [TIME_ENTRY_EXPORT_PATH]: handle };
}
