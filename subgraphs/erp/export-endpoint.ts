import type { Kysely } from 'kysely';
import type { SignedIdentityPolicy } from '../../lib/auth/identity.ts';
import { badInput } from '../../lib/errors.ts';
import { EXPORT_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import { DecimalScalar } from '../../lib/graphql/scalars.ts';
import { exportEndpoint, TIME_ENTRY_MONEY_PATH, type TimeEntryMoney, type TimeEntryMoneyQuestion } from '../../lib/http/export-endpoint.ts';
import { createErpLoaders } from './loaders.ts';
import { createErpQueries } from './service.ts';
import type { ErpDatabase } from './tables.ts';

const statuses: readonly string[] = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'];
const decimal = (value: string | null) => (value === null ? null : (DecimalScalar.serialize(value) as string));

function entriesOf(value: unknown): TimeEntryMoneyQuestion[] {
  if (!Array.isArray(value) || value.length > EXPORT_PAGE_SIZE) throw badInput('entries', `a list of at most ${EXPORT_PAGE_SIZE} entries`);
  for (const entry of value) {
    const valid = Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'boolean' && statuses.includes(entry[2]);
    if (!valid) throw badInput('entries', 'each [id, billable, status]');
  }
  return value;
}

/**
 * `POST /exports/time-entry-money` `{ entries: [[id, billable, status], …] }` → `{ money: [TimeEntryMoney, …] }` in the
 * entries' order: the money columns of a page of the time-entry export (gateway/time-entry-export.ts). The same reads
 * as the graph's `TimeEntry.billing { billingEvent }` and `TimeEntry.costPosting` (the same rule picks the billing
 * event, the same role checks: FINANCE and ADMIN), a few statements whatever the page's size.
 */
export function createErpExportEndpoint(options: { readonly identitySecret: string; readonly policy?: SignedIdentityPolicy; readonly db: Kysely<ErpDatabase> }) {
  const handle = exportEndpoint(options, async (identity, body, correlationId) => {
    const entries = entriesOf(body.entries).map(([id, billable, status]) => ({ id, billable, status }));
    const queries = createErpQueries({ db: options.db, scope: { identity, correlationId }, loaders: createErpLoaders(options.db) });
    const money = (await queries.moneyOfTimeEntries(entries)).map(({ billingEvent: event, costPosting: cost }): TimeEntryMoney =>
      event === null && cost === null
        ? null
        : [
            event ? decimal(event.rate) : null,
            event ? decimal(event.amount) : null,
            event?.currency ?? null,
            cost ? decimal(cost.cost_rate) : null,
            cost ? decimal(cost.amount) : null,
            cost?.currency ?? null,
          ],
    );
    return { money };
  });
  return { [TIME_ENTRY_MONEY_PATH]: handle };
}
