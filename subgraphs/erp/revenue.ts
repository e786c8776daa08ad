import { sql, type Kysely } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import { periodsWithin, type CalendarPeriod } from '../../lib/calendar-periods.ts';
import { badInput } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { checkDate } from '../../lib/validate.ts';
import { financeRoles } from './service.ts';
import type { ErpDatabase, RevenueMethod } from './tables.ts';

export interface RevenueFilter {
  contractIds?: readonly string[] | null;
  projectIds?: readonly string[] | null;
  customerIds?: readonly string[] | null;
  legalEntityIds?: readonly string[] | null;
  /** Only contracts with a billing event or retainer drawdown written or changed after this instant (their rows whole). */
  updatedAfter?: Date | string | null;
}

export interface RevenueRow {
  periodStart: string;
  periodEnd: string;
  contractId: string;
  projectId: string | null;
  customerId: string;
  legalEntityId: string;
  method: RevenueMethod;
  amount: { amount: string; currency: string };
  hours: string;
}

interface RevenueSqlRow {
  period_start: string;
  contract_id: string;
  project_id: string | null;
  customer_id: string;
  legal_entity_id: string;
  method: RevenueMethod;
  currency: string;
  amount: string;
  hours: string;
}

const table = (db: Kysely<ErpDatabase>, name: keyof ErpDatabase) => sql`(${db.selectFrom(name).selectAll()})`;
const inList = (column: string, ids: readonly string[] | null | undefined) => (ids?.length ? sql`and ${sql.ref(column)} in (${sql.join(ids)})` : sql``);

/**
 * The revenue schedule in one statement (nothing stored, so it is never stale), per period start (date_trunc, clipped
 * to the range), contract, project, method and currency:
 * - billing events that are live and not held (UNBILLED or BILLED — HELD ones are not revenue until released,
 *   REVERSED ones never), by their date: TIME_ENTRY, EXPENSE and OVERAGE as delivered (AS_DELIVERED),
 *   PERCENT_COMPLETE, MILESTONE and SCHEDULE for fixed fees, RECURRING_FEE for managed services;
 * - RETAINER fee events are deferred (billed in advance): a retainer's revenue is its drawdowns (`recurring_usage.drawn`
 *   of live usage, by the entry's date; the overrun is an OVERAGE event, as delivered).
 * Partial credit notes do not lower it (a line credited in full holds its event, which drops out).
 */
export function revenueQuery(db: Kysely<ErpDatabase>, input: { from: string; to: string; period: CalendarPeriod; filter: RevenueFilter }) {
  const { from, to, period, filter } = input;
  const startOf = (date: string) =>
    period === 'DAY' ? sql`${sql.ref(date)}` : sql`greatest(date_trunc(${sql.lit(period === 'WEEK' ? 'week' : 'month')}, ${sql.ref(date)}::timestamp)::date, ${from}::date)`;
  // A contract's revenue moves only with its billing events (updated_at: lib/db/changes.ts) and its retainer drawdowns
  // (written, re-drawn with a fee event of the contract, or reversed).
  const changedAfter = filter.updatedAfter == null ? null : new Date(filter.updatedAfter);
  const changedContracts = (column: string) =>
    changedAfter === null
      ? sql``
      : sql`and ${sql.ref(column)} in (
          select c.contract_id from ${table(db, 'billing_event')} c where c.updated_at > ${changedAfter}
          union select c.contract_id from ${table(db, 'recurring_usage')} c where c.created_at > ${changedAfter} or c.reversed_at > ${changedAfter})`;
  const filters = (alias: string) => sql`${inList(`${alias}.contract_id`, filter.contractIds)} ${inList(`${alias}.project_id`, filter.projectIds)}
    ${inList(`${alias}.customer_id`, filter.customerIds)} ${inList(`${alias}.legal_entity_id`, filter.legalEntityIds)} ${changedContracts(`${alias}.contract_id`)}`;
  return sql<RevenueSqlRow>`
    select period_start::text as period_start, contract_id, project_id, customer_id, legal_entity_id, method, currency,
      sum(amount)::numeric(16, 2)::text as amount, sum(hours)::numeric(16, 2)::text as hours
    from (
      select ${startOf('e.date')} as period_start, e.contract_id, e.project_id, e.customer_id, e.legal_entity_id,
        case e.source_type when 'TIME_ENTRY' then 'AS_DELIVERED' when 'EXPENSE' then 'AS_DELIVERED' when 'OVERAGE' then 'AS_DELIVERED'
          else e.source_type end as method,
        e.currency, e.amount, case when e.source_type = 'TIME_ENTRY' then coalesce(e.hours, 0) else 0 end as hours
      from ${table(db, 'billing_event')} e
      where e.date between ${from}::date and ${to}::date and e.status in ('UNBILLED', 'BILLED') and e.source_type <> 'RETAINER'
        ${filters('e')}
      union all
      select ${startOf('u.date')}, u.contract_id, u.project_id, s.customer_id, s.legal_entity_id, 'RETAINER_DRAWDOWN', u.currency, u.drawn, u.hours
      from ${table(db, 'recurring_usage')} u join ${table(db, 'billing_setup')} s on s.id = u.billing_setup_id
      where u.billing_method = 'RETAINER' and u.reversed_at is null and u.drawn is not null and u.drawn <> 0
        and u.date between ${from}::date and ${to}::date
        ${inList('u.contract_id', filter.contractIds)} ${inList('u.project_id', filter.projectIds)}
        ${inList('s.customer_id', filter.customerIds)} ${inList('s.legal_entity_id', filter.legalEntityIds)} ${changedContracts('u.contract_id')}
    ) revenue
    group by period_start, contract_id, project_id, customer_id, legal_entity_id, method, currency
    order by period_start, contract_id, project_id nulls last, method, currency`.execute(db);
}

/** `Query.revenueSchedule`, bound to the caller: FINANCE and ADMIN only. */
export async function revenueSchedule(
  db: Kysely<ErpDatabase>,
  scope: RequestScope,
  args: { from: string; to: string; period?: CalendarPeriod | null; filter?: RevenueFilter | null },
): Promise<RevenueRow[]> {
  requireRole(scope.identity, ...financeRoles);
  checkDate('from', args.from);
  checkDate('to', args.to);
  if (args.to < args.from) throw badInput('to', `must be on or after from (${args.from})`);
  const period = args.period ?? 'MONTH';
  const periods = new Map(periodsWithin(args.from, args.to, period).map((range) => [range.start, range]));
  const { rows } = await revenueQuery(db, { from: args.from, to: args.to, period, filter: args.filter ?? {} });
  return rows.map((row) => {
    const range = periods.get(row.period_start);
    if (!range) throw new Error(`no period of ${args.from}..${args.to} starts on ${row.period_start}`);
    return {
      periodStart: range.start, periodEnd: range.end, contractId: row.contract_id, projectId: row.project_id, customerId: row.customer_id,
      legalEntityId: row.legal_entity_id, method: row.method, amount: { amount: row.amount, currency: row.currency }, hours: row.hours,
    };
  });
}
