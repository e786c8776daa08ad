import { badInput } from '../../lib/errors.ts';
import { EXPORT_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import { exportEndpoint, JsonText, optionalString, TIME_ENTRY_EXPORT_PATH } from '../../lib/http/export-endpoint.ts';
import type { SignedIdentityPolicy } from '../../lib/auth/identity.ts';
import { checkDate } from '../../lib/validate.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import type { QueryScope, TimeQueries } from './service.ts';
import type { TimeEntryFilter } from './repository.ts';
import { entryStatuses, type EntryStatus } from './tables.ts';

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
    // A TimeEntryExportPage whose entries the database wrote (TimeQueries.timeEntryExportPage).
    const { endCursor, hasNextPage } = page.pageInfo;
    return new JsonText(['{"entries":[', page.lines, `],"endCursor":${JSON.stringify(endCursor)},"hasNextPage":${hasNextPage}}`]);
  });
  return { [TIME_ENTRY_EXPORT_PATH]: handle };
}
