import { dayNumber, isoWeekdayOfDay, type CalendarPeriod } from '../../lib/calendar-periods.ts';
import { filterFieldOf, type KpiDimension } from '../../lib/kpi-question.ts';

/** What a KPI or planning question is grouped by: the KPI dimensions and psa's planning location. */
type GroupKey = KpiDimension | 'LOCATION';

/**
 * A field whose work grows with its date range and its grouping rather than with a page size. `@listSize` cannot say
 * that (it knows fixed sizes and slicing arguments), so the gateway computes these from the arguments.
 */
export interface PeriodField {
  /** The argument holding the period, and what a null period means (`WHOLE`: the whole range is one period). */
  readonly period: { readonly argument: string; readonly whenNull: CalendarPeriod | 'WHOLE' } | CalendarPeriod;
  /** The argument naming the group keys (a list or one enum value), or the keys the field always computes by. */
  readonly groups: { readonly argument: string } | readonly GroupKey[];
  /**
   * `rows`: one row per period and group comes back, so periods × groups is the field's list size. `work`: the
   * result is paged or sized as any list; periods × groups is the work behind it, weighed by the field's weight.
   */
  readonly returns: 'rows' | 'work';
}

const kpi = { period: { argument: 'period', whenNull: 'WHOLE' }, groups: { argument: 'groupBy' }, returns: 'rows' } as const;

/** Every such field of the supergraph, by `Type.field`: add a new KPI or planning field here. */
export const periodFields: Readonly<Record<string, PeriodField>> = {
  'Query.utilization': kpi,
  'Query.timesheetCompliance': kpi,
  'Query.unbilledWork': kpi,
  'Query.invoiceCycleTime': kpi,
  'Query.capacityVsDemand': kpi,
  'Customer.unbilledWork': { ...kpi, groups: [] },
  'Query.revenueSchedule': { ...kpi, period: { argument: 'period', whenNull: 'MONTH' }, groups: ['PROJECT'] },
  'Worker.capacity': { ...kpi, groups: [] },
  // Expected worker-weeks are computed for everyone in range before the missing ones are paged.
  'Query.missingTimesheets': { period: 'WEEK', groups: ['WORKER'], returns: 'work' },
  // Each candidate's free hours are computed week by week.
  'Query.availability': { period: 'WEEK', groups: ['WORKER'], returns: 'work' },
};

/**
 * Keys assumed per group when a question is grouped by it: the order of magnitude of a mid-sized firm. A filter on
 * the same dimension (`filter: { workerIds: [...] }`) bounds it by the number of ids given.
 */
export const assumedGroupKeys: Readonly<Record<GroupKey, number>> = {
  WORKER: 50,
  PROJECT: 50,
  CUSTOMER: 20,
  ROLE: 10,
  COST_CENTER: 10,
  LOCATION: 10,
  LEGAL_ENTITY: 5,
};

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** Periods of [from, to] as the subgraphs cut them (ISO weeks, calendar months); 1 for a range they would refuse. */
export function periodCount(from: unknown, to: unknown, period: CalendarPeriod | 'WHOLE'): number {
  if (typeof from !== 'string' || typeof to !== 'string' || !isoDate.test(from) || !isoDate.test(to)) return 1;
  const first = dayNumber(from);
  const last = dayNumber(to);
  if (!Number.isFinite(first) || !Number.isFinite(last) || last < first || period === 'WHOLE') return 1;
  if (period === 'DAY') return last - first + 1;
  if (period === 'WEEK') {
    const monday = (day: number) => day - isoWeekdayOfDay(day) + 1;
    return (monday(last) - monday(first)) / 7 + 1;
  }
  const month = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7));
  return month(to) - month(from) + 1;
}

const filterField = (key: GroupKey) => (key === 'LOCATION' ? undefined : filterFieldOf[key]);

/** Periods × groups of one use of a period field, from its argument values. */
export function periodWork(field: PeriodField, args: Readonly<Record<string, unknown>>): number {
  const period =
    typeof field.period === 'string'
      ? field.period
      : ((args[field.period.argument] as CalendarPeriod | null | undefined) ?? field.period.whenNull);
  const given = Array.isArray(field.groups) ? field.groups : args[(field.groups as { argument: string }).argument];
  const keys = (Array.isArray(given) ? given : given == null ? [] : [given]) as GroupKey[];
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  let groups = 1;
  for (const key of new Set(keys)) {
    const ids = filter[filterField(key) ?? ''];
    const assumed = assumedGroupKeys[key] ?? 1;
    groups *= Array.isArray(ids) && ids.length > 0 ? Math.min(ids.length, assumed) : assumed;
  }
  return periodCount(args.from, args.to, period) * groups;
}
