import { periodsWithin, type CalendarPeriod, type PeriodRange } from '../../../lib/calendar-periods.ts';
import { badInput } from '../../../lib/errors.ts';
import { allDimensions, filterFieldOf, type KpiDimension, type KpiFilter } from '../../../lib/kpi-question.ts';

export type { KpiDimension, KpiFilter };

/**
 * The rules of erp's KPIs (unbilled work, invoice cycle time): what each may be grouped and filtered by, the periods a
 * range is cut into, and the aging buckets. Pure: the sums themselves are SQL's (kpi-queries.ts).
 */
/**
 * What each KPI knows its facts by. A billing event keeps its worker, role, legal entity, customer and project, and
 * its worker's cost center comes from hcm: unbilled work takes every dimension. An invoice has a customer, a legal
 * entity and (when its lines bill one) a project, but no single worker or role: cycle time takes those three.
 */
export const kpiDimensions = {
  unbilledWork: allDimensions,
  invoiceCycleTime: ['CUSTOMER', 'LEGAL_ENTITY', 'PROJECT'],
} as const satisfies Record<string, readonly KpiDimension[]>;

export type KpiName = keyof typeof kpiDimensions;

/** A filter with its empty lists dropped (an empty list narrows nothing, as in erp's other filters). */
export type CheckedFilter = Partial<Record<keyof KpiFilter, readonly string[]>>;

export interface KpiQuestion {
  from: string;
  to: string;
  /** The dimensions in the order asked, each once. */
  groupBy: KpiDimension[];
  /** The periods of [from, to], in order; one period (the whole range) when none was asked. */
  periods: PeriodRange[];
  /** The same periods by their start, which SQL gives each row. */
  periodsByStart: ReadonlyMap<string, PeriodRange>;
  period: CalendarPeriod | null;
  filter: CheckedFilter;
  asOf: string;
}

/**
 * Checks a KPI question: the dimensions and filters the KPI knows (others BAD_USER_INPUT, naming the field), the
 * range (to on or after from) and the number of periods (lib/calendar-periods.ts). A dimension asked twice counts
 * once.
 */
export function checkKpiQuestion(
  kpi: KpiName,
  input: { from: string; to: string; groupBy: readonly KpiDimension[]; period?: CalendarPeriod | null; filter?: KpiFilter | null; asOf: string },
): KpiQuestion {
  const known: readonly KpiDimension[] = kpiDimensions[kpi];
  const groupBy = [...new Set(input.groupBy)];
  for (const dimension of groupBy) {
    if (!known.includes(dimension)) throw badInput('groupBy', `${kpi} is grouped by ${known.join(', ')} only, not ${dimension}`);
  }
  const filter: CheckedFilter = {};
  for (const dimension of allDimensions) {
    const field = filterFieldOf[dimension];
    const ids = input.filter?.[field];
    if (!ids?.length) continue;
    if (!known.includes(dimension)) throw badInput(`filter.${field}`, `${kpi} is filtered by ${known.map((d) => filterFieldOf[d]).join(', ')} only`);
    filter[field] = [...new Set(ids)];
  }
  const period = input.period ?? null;
  if (input.to < input.from) throw badInput('to', `must be on or after from (${input.from})`);
  const periods = period ? periodsWithin(input.from, input.to, period) : [{ start: input.from, end: input.to }];
  const periodsByStart = new Map(periods.map((range) => [range.start, range]));
  return { from: input.from, to: input.to, groupBy, periods, periodsByStart, period, filter, asOf: input.asOf };
}

/** The period that starts on `start` (SQL gives each row its period's start, clipped to the range). */
export function periodStartingOn(question: KpiQuestion, start: string): PeriodRange {
  const found = question.periodsByStart.get(start);
  if (!found) throw new Error(`no period of ${question.from}..${question.to} starts on ${start}`);
  return found;
}

/** Whether the question needs hcm's cost centers of the workers (grouped or filtered by them). */
export const needsCostCenters = (question: KpiQuestion) => question.groupBy.includes('COST_CENTER') || Boolean(question.filter.costCenterIds);

/**
 * Aging buckets of unbilled work, in days from the event date to asOf, both ends inclusive; the last is open-ended.
 * An event dated after asOf (negative age) is current: it falls in the first bucket. SQL sums each bucket with these
 * bounds (`agingBucketBounds`).
 */
export const agingBuckets: ReadonlyArray<{ fromDays: number; toDays: number | null }> = [
  { fromDays: 0, toDays: 30 },
  { fromDays: 31, toDays: 60 },
  { fromDays: 61, toDays: 90 },
  { fromDays: 91, toDays: null },
];

/** The ages (in days) a bucket holds, as bounds SQL applies: the first has no lower bound (see agingBuckets). */
export function agingBucketBounds(index: number): { min: number | null; max: number | null } {
  const bucket = agingBuckets[index]!;
  return { min: index === 0 ? null : bucket.fromDays, max: bucket.toDays };
}
