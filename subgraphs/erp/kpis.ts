import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import type { CalendarPeriod } from '../../lib/calendar-periods.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError } from '../../lib/errors.ts';
import { LoaderFamily } from '../../lib/graphql/loaders.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { checkDate } from '../../lib/validate.ts';
import { agingBuckets, checkKpiQuestion, needsCostCenters, periodStartingOn, type KpiDimension, type KpiFilter, type KpiName, type KpiQuestion } from './domain/kpis.ts';
import type { Money } from './domain/money.ts';
import type { KpiFactsSource } from './kpi-facts.ts';
import * as queries from './kpi-queries.ts';
import { financeRoles } from './service.ts';
import type { ErpDatabase } from './tables.ts';

export interface KpiArgs {
  from: string;
  to: string;
  groupBy: readonly KpiDimension[];
  period?: CalendarPeriod | null;
  filter?: KpiFilter | null;
  asOf?: string | null;
}

type Ref = { __typename: string; id: string } | null;

/** The group keys of a KPI row: set only for the dimensions grouped by. */
export interface KpiGroupKeys {
  worker?: Ref;
  role?: Ref;
  costCenter?: Ref;
  legalEntity?: Ref;
  customer?: Ref;
  project?: Ref;
}

export interface UnbilledAmount {
  hours: string;
  amount: Money;
  events: number;
}

export interface UnbilledWorkRow extends KpiGroupKeys {
  periodStart: string;
  periodEnd: string;
  currency: string;
  unbilled: UnbilledAmount;
  held: UnbilledAmount;
  onDraft: UnbilledAmount;
  total: UnbilledAmount;
  oldestDate: string;
  aging: Array<UnbilledAmount & { fromDays: number; toDays: number | null }>;
}

export interface CycleTime {
  count: number;
  meanDays: string | null;
  medianDays: string | null;
  maxDays: string | null;
}

export interface InvoiceCycleTimeRow extends KpiGroupKeys {
  periodStart: string;
  periodEnd: string;
  invoices: number;
  approvalToIssue: CycleTime;
  periodEndToIssue: CycleTime;
  issueToPaid: CycleTime;
  open: CycleTime;
}

/** The field and typename of each dimension's key on a row. */
const keyFieldOf: Record<KpiDimension, [keyof KpiGroupKeys, string]> = {
  WORKER: ['worker', 'Worker'],
  ROLE: ['role', 'Role'],
  COST_CENTER: ['costCenter', 'CostCenter'],
  LEGAL_ENTITY: ['legalEntity', 'LegalEntity'],
  CUSTOMER: ['customer', 'Customer'],
  PROJECT: ['project', 'Project'],
};

/** A row's group keys as entity references ('' and null: no entity, e.g. a milestone's worker). */
function groupKeysOf(question: KpiQuestion, row: Partial<Record<string, unknown>>): KpiGroupKeys {
  const keys: KpiGroupKeys = {};
  for (const dimension of question.groupBy) {
    const [field, typename] = keyFieldOf[dimension];
    const id = row[queries.keyColumnOf[dimension]];
    keys[field] = typeof id === 'string' && id !== '' ? { __typename: typename, id } : null;
  }
  return keys;
}

function unbilledRowOf(question: KpiQuestion, row: queries.UnbilledWorkSqlRow): UnbilledWorkRow {
  const amountOf = (prefix: string): UnbilledAmount => ({
    hours: String(row[`${prefix}_hours` as keyof queries.UnbilledSums]),
    amount: { amount: String(row[`${prefix}_amount` as keyof queries.UnbilledSums]), currency: row.currency },
    events: Number(row[`${prefix}_events` as keyof queries.UnbilledSums]),
  });
  const period = periodStartingOn(question, row.period_start);
  return {
    ...groupKeysOf(question, row),
    periodStart: period.start,
    periodEnd: period.end,
    currency: row.currency,
    unbilled: amountOf('unbilled'),
    held: amountOf('held'),
    onDraft: amountOf('on_draft'),
    total: amountOf('total'),
    oldestDate: row.oldest_date,
    aging: agingBuckets.map((bucket, index) => ({ ...bucket, ...amountOf(`bucket${index}`) })),
  };
}

function cycleTimeRowOf(question: KpiQuestion, row: queries.CycleTimeSqlRow): InvoiceCycleTimeRow {
  const stats = (prefix: 'approval' | 'period_end' | 'paid' | 'open'): CycleTime => {
    const text = (value: string | number | null) => (value === null ? null : String(value));
    return { count: Number(row[`${prefix}_count`]), meanDays: text(row[`${prefix}_mean`]), medianDays: text(row[`${prefix}_median`]), maxDays: text(row[`${prefix}_max`]) };
  };
  const period = periodStartingOn(question, row.period_start);
  return {
    ...groupKeysOf(question, row),
    periodStart: period.start,
    periodEnd: period.end,
    invoices: Number(row.invoices),
    approvalToIssue: stats('approval'),
    periodEndToIssue: stats('period_end'),
    issueToPaid: stats('paid'),
    open: stats('open'),
  };
}

/**
 * erp's KPIs, bound to the caller (FINANCE and ADMIN: it is all money). Each question is checked by the KPI rules
 * (domain/kpis.ts), answered by one aggregate statement, and, when it needs cost centers, preceded by one statement
 * for the workers in scope and one gateway request per page of them (outside any transaction).
 */
export function createErpKpis(deps: { db: Kysely<ErpDatabase>; scope: RequestScope; clock: Clock; facts?: KpiFactsSource }) {
  const { db, scope } = deps;
  const finance = () => requireRole(scope.identity, ...financeRoles);

  function question(kpi: KpiName, args: KpiArgs): KpiQuestion {
    finance();
    const asOf = args.asOf == null ? isoDate(deps.clock.now()) : checkDate('asOf', args.asOf);
    return checkKpiQuestion(kpi, { ...args, from: checkDate('from', args.from), to: checkDate('to', args.to), asOf });
  }

  async function costCentersFor(asked: KpiQuestion) {
    if (!needsCostCenters(asked)) return null;
    if (!deps.facts) throw new DomainError('INTERNAL_SERVER_ERROR', 'cost centers are not configured: erp was built without a graph to read workers from');
    const workers = await queries.workersOfUnbilledWork(db, asked);
    return deps.facts.costCentersOf(workers, { correlationId: scope.correlationId, from: asked.from, to: asked.to });
  }

  async function unbilledWork(asked: KpiQuestion): Promise<UnbilledWorkRow[]> {
    const rows = await queries.unbilledWork(db, asked, await costCentersFor(asked));
    return rows.map((row) => unbilledRowOf(asked, row));
  }

  /** Customer.unbilledWork: one statement for every customer of the batch, per distinct argument set. */
  const unbilledByCustomer = new LoaderFamily<string, UnbilledWorkRow[]>(
    (_key, args: Omit<KpiArgs, 'groupBy' | 'filter'>) =>
      new DataLoader(async (customerIds) => {
        const rows = await unbilledWork(question('unbilledWork', { ...args, groupBy: ['CUSTOMER'], filter: { customerIds } }));
        const byCustomer = new Map<string, UnbilledWorkRow[]>(customerIds.map((id) => [id, []]));
        for (const row of rows) if (row.customer) byCustomer.get(row.customer.id)?.push(row);
        return customerIds.map((id) => byCustomer.get(id)!);
      }),
  );

  return {
    unbilledWork: (args: KpiArgs) => unbilledWork(question('unbilledWork', args)),
    async invoiceCycleTime(args: KpiArgs): Promise<InvoiceCycleTimeRow[]> {
      const asked = question('invoiceCycleTime', args);
      return (await queries.invoiceCycleTime(db, asked)).map((row) => cycleTimeRowOf(asked, row));
    },
    unbilledWorkOfCustomer(customerId: string, args: Omit<KpiArgs, 'groupBy' | 'filter'>) {
      finance();
      return unbilledByCustomer.for(args).load(customerId);
    },
  };
}

export type ErpKpis = ReturnType<typeof createErpKpis>;
