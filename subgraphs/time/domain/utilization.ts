import { runSteps } from '../../../lib/cooperative.ts';
import { divideDecimals, fromScaled, percentOf, toScaled } from '../../../lib/decimal.ts';
import type { PeriodRange } from '../../../lib/calendar-periods.ts';
import { compareKeys, groupKeyOf, groupsByWork, keyText, spanOn, spansByWorker, type GroupKey, type KpiDimension, type WorkforceMember } from './kpi-groups.ts';

/** A worker's approved hours in one period (on one project when the question looks at projects). */
export interface HoursCell {
  workerId: string;
  projectId: string | null;
  customerId: string | null;
  /** First day of the period the hours fall in. */
  periodStart: string;
  /** The day of the hours, for a worker with several spans in the question (their hours are counted per day). */
  date?: string;
  billableHours: string;
  nonBillableHours: string;
}

export interface UtilizationQuestion {
  periods: readonly PeriodRange[];
  dimensions: readonly KpiDimension[];
  /** Every worker's spans (one member per span: a worker who moved in the range has several). */
  members: readonly WorkforceMember[];
  cells: readonly HoursCell[];
  /** The hours were limited to some projects or customers: only the workers who logged them bring capacity. */
  workFiltered: boolean;
}

export interface UtilizationRow extends GroupKey {
  periodStart: string;
  periodEnd: string;
  billableHours: string;
  nonBillableHours: string;
  capacityHours: string;
  utilization: string | null;
  targetUtilization: string | null;
  varianceToTarget: string | null;
  workerCount: number;
}

interface Totals {
  key: GroupKey;
  period: PeriodRange;
  /** Hundredths of an hour. */
  billable: bigint;
  nonBillable: bigint;
  capacity: bigint;
  /** Σ capacity × target (scale 4) over the workers with a target, and their capacity. */
  weightedTarget: bigint;
  targetedCapacity: bigint;
  workers: Set<string>;
  /** The spans whose capacity the row holds (a worker's two spans in one group each bring their own days). */
  spans: Set<WorkforceMember>;
}

const hundredths = (hours: string) => toScaled(hours, 2);

/**
 * Actual utilization per group and period (issue 6 §4), the rule in one place:
 * 1/ hours: each cell's billable and non-billable APPROVED hours go to the row of its worker's key on the day of the
 *    work — the span of the worker's role, cost center and legal entity in effect then — (and, grouped by PROJECT or
 *    CUSTOMER, of the cell's project or customer);
 * 2/ capacity: grouped by worker facts only, every span brings its days' capacity in the period to its row, hours or
 *    not;
 *    grouped by PROJECT or CUSTOMER, or with the work filtered, a row's capacity is that of the workers who logged
 *    hours in it that period, each counted once per row however many projects they logged on;
 * 3/ utilization = billable ÷ capacity in percent, target = the capacity-weighted mean of the workers' targets, both
 *    2 places half-up and null when the capacity is zero; variance = utilization − target.
 * Rows with neither capacity nor hours are left out. Order: period, then the group's ids.
 */
export function rollUpUtilization(question: UtilizationQuestion): UtilizationRow[] {
  return runSteps(utilizationSteps(question));
}

/** Cells, spans or rows handled between two safe points of `utilizationSteps`. */
const STEP = 500;

/**
 * `rollUpUtilization` as steps: it yields every `STEP` cells, spans and rows, where a driver may give the event loop a
 * turn (lib/cooperative.ts `paceSteps`: a year by day over every worker is seconds of work), and returns the rows.
 */
export function* utilizationSteps(question: UtilizationQuestion): Generator<void, UtilizationRow[]> {
  const dimensions = new Set(question.dimensions);
  const periodOf = new Map(question.periods.map((period) => [period.start, period]));
  const rows = new Map<string, Totals>();
  const totalsOf = (key: GroupKey, periodStart: string): Totals => {
    const period = periodOf.get(periodStart);
    if (!period) throw new Error(`hours dated in a period starting ${periodStart}, which the question does not have`);
    const id = `${periodStart}|${keyText(key)}`;
    let totals = rows.get(id);
    if (!totals) {
      totals = { key, period, billable: 0n, nonBillable: 0n, capacity: 0n, weightedTarget: 0n, targetedCapacity: 0n, workers: new Set(), spans: new Set() };
      rows.set(id, totals);
    }
    return totals;
  };
  const addCapacity = (totals: Totals, member: WorkforceMember) => {
    if (totals.spans.has(member)) return;
    totals.spans.add(member);
    totals.workers.add(member.workerId);
    const capacity = hundredths(member.capacity.get(totals.period.start) ?? '0');
    totals.capacity += capacity;
    if (member.targetUtilization !== null) {
      totals.weightedTarget += capacity * hundredths(member.targetUtilization);
      totals.targetedCapacity += capacity;
    }
  };

  const byLoggers = groupsByWork(dimensions) || question.workFiltered;
  const spans = spansByWorker(question.members);
  let handled = 0;
  for (const cell of question.cells) {
    if (++handled % STEP === 0) yield;
    const member = spanOn(spans.get(cell.workerId), cell.date);
    if (!member) continue;
    const totals = totalsOf(groupKeyOf(dimensions, member, cell), cell.periodStart);
    totals.billable += hundredths(cell.billableHours);
    totals.nonBillable += hundredths(cell.nonBillableHours);
    if (byLoggers) addCapacity(totals, member);
  }
  if (!byLoggers) {
    for (const member of question.members) {
      yield;
      for (const period of question.periods) {
        if (hundredths(member.capacity.get(period.start) ?? '0') === 0n) continue;
        addCapacity(totalsOf(groupKeyOf(dimensions, member), period.start), member);
      }
    }
  }

  const kept = [...rows.values()]
    .filter((totals) => totals.capacity !== 0n || totals.billable !== 0n || totals.nonBillable !== 0n)
    .sort((a, b) => (a.period.start !== b.period.start ? (a.period.start < b.period.start ? -1 : 1) : compareKeys(a.key, b.key)));
  const answer: UtilizationRow[] = [];
  for (const totals of kept) {
    if (answer.length % STEP === 0) yield;
    answer.push(toRow(totals));
  }
  return answer;
}

function toRow(totals: Totals): UtilizationRow {
  const billableHours = fromScaled(totals.billable, 2);
  const capacityHours = fromScaled(totals.capacity, 2);
  const utilization = percentOf(billableHours, capacityHours);
  const targetUtilization = divideDecimals(fromScaled(totals.weightedTarget, 4), fromScaled(totals.targetedCapacity, 2), 2);
  return {
    ...totals.key,
    periodStart: totals.period.start,
    periodEnd: totals.period.end,
    billableHours,
    nonBillableHours: fromScaled(totals.nonBillable, 2),
    capacityHours,
    utilization,
    targetUtilization,
    varianceToTarget: utilization !== null && targetUtilization !== null ? fromScaled(hundredths(utilization) - hundredths(targetUtilization), 2) : null,
    workerCount: totals.workers.size,
  };
}
