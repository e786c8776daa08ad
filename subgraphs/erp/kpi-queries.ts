import { sql, type Kysely, type RawBuilder } from 'kysely';
import { agingBucketBounds, agingBuckets, type KpiDimension, type KpiQuestion } from './domain/kpis.ts';
import type { ErpDatabase } from './tables.ts';

/**
 * The KPIs' SQL: one statement per question, aggregated in the database (GROUP BY the dimensions, the period by
 * `date_trunc`, the currency), however many events, invoices or groups there are. Queries only.
 */
type Db = Kysely<ErpDatabase>;

/**
 * A worker's cost center over a period of hcm's history (open bounds: null or absent), joined to each event by the
 * event's date as a JSON record set (one parameter): work counts in the cost center in effect on its day.
 */
export interface WorkerCostCenter {
  worker_id: string;
  cost_center_id: string | null;
  effective_from?: string | null;
  effective_to?: string | null;
}

/** The column each grouped row carries its key in. */
export const keyColumnOf: Record<KpiDimension, string> = {
  WORKER: 'worker_id',
  ROLE: 'role_id',
  COST_CENTER: 'cost_center_id',
  LEGAL_ENTITY: 'legal_entity_id',
  CUSTOMER: 'customer_id',
  PROJECT: 'project_id',
};

const eventColumn: Record<KpiDimension, RawBuilder<string | null>> = {
  WORKER: sql`e.worker_id`,
  ROLE: sql`e.role_id`,
  COST_CENTER: sql`wc.cost_center_id`,
  LEGAL_ENTITY: sql`e.legal_entity_id`,
  CUSTOMER: sql`e.customer_id`,
  PROJECT: sql`e.project_id`,
};

const invoiceColumn: Partial<Record<KpiDimension, RawBuilder<string | null>>> = {
  LEGAL_ENTITY: sql`i.legal_entity_id`,
  CUSTOMER: sql`i.customer_id`,
  PROJECT: sql`ip.project_id`,
};

/** The start of the period a date falls in, clipped to the range: ISO weeks and months by `date_trunc`. */
function periodStartOf(date: RawBuilder<string>, question: KpiQuestion): RawBuilder<string> {
  if (!question.period) return sql`${question.from}::date`;
  if (question.period === 'DAY') return date;
  const unit = question.period === 'WEEK' ? 'week' : 'month';
  return sql`greatest(date_trunc(${sql.lit(unit)}, ${date}::timestamp)::date, ${question.from}::date)`;
}

/**
 * A table of erp's schema inside raw SQL: as a builder subquery, so the schema plugin qualifies it (it leaves raw table
 * names alone); PostgreSQL flattens the subquery.
 */
const table = (db: Db, name: keyof ErpDatabase) => sql`(${db.selectFrom(name).selectAll()})`;

const inList = (column: RawBuilder<unknown>, ids: readonly string[] | undefined) => (ids ? sql`and ${column} in (${sql.join(ids)})` : sql``);

/**
 * The billing events not yet on an issued invoice: UNBILLED, HELD, or BILLED on a live line of a DRAFT invoice (drafts
 * are few: the set of their events is read once, not probed per billed event).
 */
function unbilledScope(db: Db, question: KpiQuestion, withCostCenters: boolean) {
  const { filter } = question;
  return sql`from ${table(db, 'billing_event')} e
    ${withCostCenters ? sql`left join wc on wc.worker_id = e.worker_id and (wc.effective_from is null or e.date >= wc.effective_from) and (wc.effective_to is null or e.date <= wc.effective_to)` : sql``}
    where e.date between ${question.from}::date and ${question.to}::date
      and (e.status in ('UNBILLED', 'HELD')
        or (e.status = 'BILLED' and e.id in (
          select l.billing_event_id from ${table(db, 'invoice_line')} l join ${table(db, 'invoice')} i on i.id = l.invoice_id
          where i.status = 'DRAFT' and l.released_at is null and l.billing_event_id is not null)))
      ${inList(sql`e.worker_id`, filter.workerIds)}
      ${inList(sql`e.role_id`, filter.roleIds)}
      ${inList(sql`e.legal_entity_id`, filter.legalEntityIds)}
      ${inList(sql`e.customer_id`, filter.customerIds)}
      ${inList(sql`e.project_id`, filter.projectIds)}
      ${withCostCenters ? inList(sql`wc.cost_center_id`, filter.costCenterIds) : sql``}`;
}

const costCenterTable = (costCenters: readonly WorkerCostCenter[]) =>
  sql`with wc as (select * from jsonb_to_recordset(${JSON.stringify(costCenters)}::jsonb) as r(worker_id text, cost_center_id text, effective_from date, effective_to date))`;

/** The distinct workers of the events in scope (before the cost-center filter): whose cost centers to ask hcm for. */
export async function workersOfUnbilledWork(db: Db, question: KpiQuestion): Promise<string[]> {
  const { rows } = await sql<{ worker_id: string }>`select distinct e.worker_id ${unbilledScope(db, { ...question, filter: { ...question.filter, costCenterIds: undefined } }, false)}
    and e.worker_id is not null order by e.worker_id`.execute(db);
  return rows.map((row) => row.worker_id);
}

export type UnbilledSums = Record<`${'unbilled' | 'held' | 'on_draft' | 'total' | `bucket${number}`}_${'hours' | 'amount' | 'events'}`, string | number>;

export type UnbilledWorkSqlRow = Partial<Record<string, string | null>> & {
  period_start: string;
  currency: string;
  oldest_date: string;
} & UnbilledSums;

/** Hours, amount and count of the events matching `condition` (all of them without one). */
function sums(prefix: string, condition: RawBuilder<unknown> | null) {
  const where = condition ? sql` filter (where ${condition})` : sql``;
  return sql`coalesce(sum(e.hours)${where}, 0)::numeric(16, 2) as ${sql.ref(`${prefix}_hours`)},
    coalesce(sum(e.amount)${where}, 0)::numeric(16, 2) as ${sql.ref(`${prefix}_amount`)},
    count(*)${where} as ${sql.ref(`${prefix}_events`)}`;
}

function bucketCondition(index: number, asOf: string) {
  const { min, max } = agingBucketBounds(index);
  const age = sql`(${asOf}::date - e.date)`;
  return sql.join([min === null ? sql`true` : sql`${age} >= ${min}`, max === null ? sql`true` : sql`${age} <= ${max}`], sql` and `);
}

/**
 * Unbilled work per group, period and currency: each state's sums, the total's, its oldest date and its aging buckets,
 * in one statement. `costCenters` (hcm's, for the events' workers) is joined when the question needs them.
 */
export async function unbilledWork(db: Db, question: KpiQuestion, costCenters: readonly WorkerCostCenter[] | null): Promise<UnbilledWorkSqlRow[]> {
  const keys = question.groupBy.map((dimension) => sql`${eventColumn[dimension]} as ${sql.ref(keyColumnOf[dimension])}`);
  const period = periodStartOf(sql`e.date`, question);
  // By position: the period's bounds are parameters, and the same expression with its own placeholders would not match.
  const groups = [...question.groupBy, 'period', 'currency'].map((_, index) => sql.lit(index + 1));
  const order = [groups[question.groupBy.length]!, ...groups.slice(0, question.groupBy.length), groups.at(-1)!];
  const { rows } = await sql<UnbilledWorkSqlRow>`${costCenters ? costCenterTable(costCenters) : sql``}
    select ${sql.join([...keys, sql`${period} as period_start`, sql`e.currency`])},
      ${sums('unbilled', sql`e.status = 'UNBILLED'`)},
      ${sums('held', sql`e.status = 'HELD'`)},
      ${sums('on_draft', sql`e.status = 'BILLED'`)},
      ${sums('total', null)},
      min(e.date) as oldest_date,
      ${sql.join(agingBuckets.map((_, index) => sums(`bucket${index}`, bucketCondition(index, question.asOf))))}
    ${unbilledScope(db, question, costCenters !== null)}
    group by ${sql.join(groups)}
    order by ${sql.join(order)}`.execute(db);
  return rows;
}

export interface CycleTimeSqlStats {
  count: number;
  mean: string | null;
  median: string | null;
  max: string | null;
}

export type CycleTimeSqlRow = Partial<Record<string, string | null>> & {
  period_start: string;
  invoices: number;
} & Record<`${'approval' | 'period_end' | 'paid' | 'open'}_${keyof CycleTimeSqlStats}`, string | number | null>;

/** Count, mean, median (percentile_cont) and longest of a column of days, rounded half-up to 2 places. */
const dayStats = (column: string, prefix: string) => {
  const days = sql.ref(column);
  return sql`count(${days}) as ${sql.ref(`${prefix}_count`)},
    round(avg(${days})::numeric, 2) as ${sql.ref(`${prefix}_mean`)},
    round((percentile_cont(0.5) within group (order by ${days}::float8))::numeric, 2) as ${sql.ref(`${prefix}_median`)},
    round(max(${days})::numeric, 2) as ${sql.ref(`${prefix}_max`)}`;
};

/**
 * Invoice cycle time per group and period of the issue date, in one statement: the issued invoices in scope (not
 * VOID) with their group keys (null keys as '' so the two aggregates join on equality), their period end → issue,
 * issue → paid (the latest payment of a PAID invoice) and open age; their lines' approval → issue (the billing
 * event's creation, which the approval's posting wrote, to the invoice's issuedAt); each aggregated, then joined.
 */
export async function invoiceCycleTime(db: Db, question: KpiQuestion): Promise<CycleTimeSqlRow[]> {
  const { filter } = question;
  const withProject = question.groupBy.includes('PROJECT') || Boolean(filter.projectIds);
  const keyNames = question.groupBy.map((dimension) => keyColumnOf[dimension]);
  const keys = question.groupBy.map((dimension) => sql`coalesce(${invoiceColumn[dimension]!}, '') as ${sql.ref(keyColumnOf[dimension])}`);
  const groupCols = [...keyNames, 'period_start'].map((name) => sql.ref(name));
  const joinOn = sql.join([...keyNames, 'period_start'].map((name) => sql`l.${sql.ref(name)} = s.${sql.ref(name)}`), sql` and `);
  const { rows } = await sql<CycleTimeSqlRow>`with inv as (
      select i.id, i.issued_at, ${sql.join([...keys, sql`${periodStartOf(sql`i.issue_date`, question)} as period_start`])},
        (i.issue_date - i.period_end) as period_end_days,
        case when i.status = 'PAID' then (paid.last_received_on - i.issue_date) end as paid_days,
        case when i.status <> 'PAID' and i.total - coalesce(paid.amount, 0) - coalesce(credited.amount, 0) > 0
          then (${question.asOf}::date - i.issue_date) end as open_days
      from ${table(db, 'invoice')} i
      left join lateral (select max(p.received_on) as last_received_on, sum(p.amount) as amount from ${table(db, 'payment')} p where p.invoice_id = i.id) paid on true
      left join lateral (select sum(c.total) as amount from ${table(db, 'credit_note')} c where c.invoice_id = i.id and c.status = 'ISSUED') credited on true
      ${withProject
        ? sql`left join lateral (select case when count(distinct l.project_id) = 1 then min(l.project_id) end as project_id
            from ${table(db, 'invoice_line')} l where l.invoice_id = i.id) ip on true`
        : sql``}
      where i.status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')
        and i.issue_date between ${question.from}::date and ${question.to}::date
        ${inList(sql`i.customer_id`, filter.customerIds)}
        ${inList(sql`i.legal_entity_id`, filter.legalEntityIds)}
        ${inList(sql`ip.project_id`, filter.projectIds)}
    ),
    line_days as (
      select ${sql.join([...keyNames.map((name) => sql`inv.${sql.ref(name)}`), sql`inv.period_start`])},
        extract(epoch from (inv.issued_at - e.created_at))::numeric / 86400 as approval_days
      from inv
      join ${table(db, 'invoice_line')} l on l.invoice_id = inv.id
      join ${table(db, 'billing_event')} e on e.id = l.billing_event_id
    ),
    s as (
      select ${sql.join(groupCols)}, count(*) as invoices,
        ${dayStats('period_end_days', 'period_end')}, ${dayStats('paid_days', 'paid')}, ${dayStats('open_days', 'open')}
      from inv group by ${sql.join(groupCols)}
    ),
    l as (
      select ${sql.join(groupCols)}, ${dayStats('approval_days', 'approval')}
      from line_days group by ${sql.join(groupCols)}
    )
    select s.*, coalesce(l.approval_count, 0) as approval_count, l.approval_mean, l.approval_median, l.approval_max
    from s left join l on ${joinOn}
    order by ${sql.join([sql`s.period_start`, ...keyNames.map((name) => sql`s.${sql.ref(name)}`)])}`.execute(db);
  return rows;
}
