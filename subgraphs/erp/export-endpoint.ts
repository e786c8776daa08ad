import type { Kysely } from 'kysely';
import type { SignedIdentityPolicy } from '../../lib/auth/identity.ts';
import { badInput } from '../../lib/errors.ts';
import { EXPORT_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import { DecimalScalar } from '../../lib/graphql/scalars.ts';
import { exportEndpoint, TIME_ENTRY_MONEY_PATH, type TimeEntryMoney } from '../../lib/http/export-endpoint.ts';
import type { TimeEntryFacts } from './domain/time-entry-billing.ts';
import { createErpLoaders } from './loaders.ts';
import { createErpQueries } from './service.ts';
import type { ErpDatabase } from './tables.ts';

const statuses: readonly string[] = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'];
const decimal = (value: string | null) => (value === null ? null : (DecimalScalar.serialize(value) as string));

function entriesOf(value: unknown): Array<{ id: string } & TimeEntryFacts> {
  if (!Array.isArray(value) || value.length > EXPORT_PAGE_SIZE) throw badInput('entries', `a list of at most ${EXPORT_PAGE_SIZE} entries`);
  for (const entry of value) {
    const valid = typeof entry?.id === 'string' && typeof entry.billable === 'boolean' && statuses.includes(entry.status);
    if (!valid) throw badInput('entries', 'each { id, billable, status }');
  }
  return value;
}

/**
 * `POST /exports/time-entry-money` `{ entries: [{ id, billable, status }] }` → `{ money: { [id]: TimeEntryMoney } }`:
 * the money columns of a page of the time-entry export (gateway/time-entry-export.ts). The same reads as the graph's
 * `TimeEntry.billing { billingEvent }` and `TimeEntry.costPosting` (the same rule picks the billing event, the same
 * role checks: FINANCE and ADMIN), through one request's loaders, so a page is a few statements whatever its size.
 */
export function createErpExportEndpoint(options: { readonly identitySecret: string; readonly policy?: SignedIdentityPolicy; readonly db: Kysely<ErpDatabase> }) {
  const handle = exportEndpoint(options, async (identity, body, correlationId) => {
    const entries = entriesOf(body.entries);
    const loaders = createErpLoaders(options.db);
    const queries = createErpQueries({ db: options.db, scope: { identity, correlationId }, loaders });
    const answers = await Promise.all(
      entries.map(async (entry) => {
        const [billing, costPosting] = await Promise.all([queries.billingOfTimeEntry(entry), queries.costPostingOfSource('TIME_ENTRY', entry.id)]);
        const event = billing.billingEventId ? await queries.billingEvent(billing.billingEventId) : null;
        const money: TimeEntryMoney = {
          rate: event ? decimal(event.rate) : null,
          amount: event ? decimal(event.amount) : null,
          currency: event?.currency ?? null,
          costRate: costPosting ? decimal(costPosting.cost_rate) : null,
          costAmount: costPosting ? decimal(costPosting.amount) : null,
          costCurrency: costPosting?.currency ?? null,
        };
        return [entry.id, money] as const;
      }),
    );
    return { money: Object.fromEntries(answers) };
  });
  return { [TIME_ENTRY_MONEY_PATH]: handle };
}
