import { fromScaled, percentOf, toScaled } from '../../../lib/decimal.ts';
import { periodHolding, type PeriodRange } from '../../../lib/calendar-periods.ts';
import { addDays, isoWeekLabel, weekStartOf } from './iso-week.ts';
import { compareKeys, groupKeyOf, keyText, spansByWorker, type GroupKey, type KpiDimension, type WorkforceMember } from './kpi-groups.ts';
import type { StatusCounts } from './timesheet-status.ts';

/**
 * The ISO weeks a range counts (their Mondays, in order): those whose Thursday lies in [from, to]. It is the rule
 * that puts a week in an ISO year, so two adjacent ranges (or months) never count the same week twice.
 */
export function weeksOfRange(from: string, to: string): string[] {
  const weeks: string[] = [];
  for (let monday = weekStartOf(from); addDays(monday, 3) <= to; monday = addDays(monday, 7)) {
    if (addDays(monday, 3) >= from) weeks.push(monday);
  }
  return weeks;
}

/**
 * A week counts as submitted when it has live entries (reversed ones are not counted) and none is DRAFT or
 * REJECTED: its timesheet status (domain/timesheet-status.ts) is SUBMITTED or APPROVED and nothing is left to submit
 * or to fix. A week the timesheet rules call SUBMITTED while a draft is still in it is not submitted yet.
 */
export function isSubmittedWeek(counts: StatusCounts): boolean {
  return counts.SUBMITTED + counts.APPROVED > 0 && counts.DRAFT === 0 && counts.REJECTED === 0;
}

/**
 * The span a worker's week is grouped by: the one in effect on the week's Thursday (the day that places the week in
 * its period), else the last one the week reaches (someone hired on a Friday).
 */
function weekSpan(spans: readonly WorkforceMember[], monday: string): WorkforceMember {
  const thursday = addDays(monday, 3);
  const covers = (span: WorkforceMember, day: string) => (span.from === undefined || span.from <= day) && (span.to === undefined || day <= span.to);
  return spans.find((span) => covers(span, thursday)) ?? spans.filter((span) => span.from === undefined || span.from <= addDays(monday, 6)).at(-1) ?? spans[0];
}

export interface ComplianceQuestion {
  /** Mondays of the weeks counted (weeksOfRange). */
  weeks: readonly string[];
  /** The periods the weeks are reported in; a week falls in the one holding its Thursday. */
  periods: readonly PeriodRange[];
  dimensions: readonly KpiDimension[];
  /** Every worker's spans (one member per span), capacity keyed by each week's Monday (whole ISO weeks). */
  members: readonly WorkforceMember[];
  /** `<workerId>:<weekStart>` of the submitted weeks (isSubmittedWeek). */
  submitted: ReadonlySet<string>;
}

export interface ComplianceRow extends GroupKey {
  periodStart: string;
  periodEnd: string;
  expectedWeeks: number;
  submittedWeeks: number;
  missingWeeks: number;
  complianceRate: string | null;
}

export interface MissingWeek {
  workerId: string;
  weekStart: string;
  weekEnd: string;
  isoWeek: string;
  capacityHours: string;
}

/**
 * Expected worker-weeks (the worker has capacity that week: employed, and not wholly on leave or holiday) against
 * the submitted ones, per group and period, and the expected weeks not submitted (by week, then worker id).
 * Rate = submitted ÷ expected in percent, 2 places half-up; null when nothing was expected.
 */
export function rollUpCompliance(question: ComplianceQuestion): { rows: ComplianceRow[]; missing: MissingWeek[] } {
  const dimensions = new Set(question.dimensions);
  const periodOfWeek = (monday: string): PeriodRange => {
    const thursday = addDays(monday, 3);
    const period = periodHolding(question.periods, thursday);
    if (!period) throw new Error(`week ${monday} is outside the question's periods`);
    return period;
  };
  const rows = new Map<string, { key: GroupKey; period: PeriodRange; expected: number; submitted: number }>();
  const missing: MissingWeek[] = [];
  for (const monday of question.weeks) {
    const period = periodOfWeek(monday);
    for (const spans of spansByWorker(question.members).values()) {
      const scaled = spans.reduce((sum, span) => sum + toScaled(span.capacity.get(monday) ?? '0', 2), 0n);
      if (scaled <= 0n) continue;
      const capacity = fromScaled(scaled, 2);
      const member = weekSpan(spans, monday);
      const key = groupKeyOf(dimensions, member);
      const id = `${period.start}|${keyText(key)}`;
      const totals = rows.get(id) ?? { key, period, expected: 0, submitted: 0 };
      rows.set(id, totals);
      totals.expected += 1;
      if (question.submitted.has(`${member.workerId}:${monday}`)) totals.submitted += 1;
      else missing.push({ workerId: member.workerId, weekStart: monday, weekEnd: addDays(monday, 6), isoWeek: isoWeekLabel(monday), capacityHours: capacity });
    }
  }
  missing.sort((a, b) => (a.weekStart !== b.weekStart ? (a.weekStart < b.weekStart ? -1 : 1) : a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
  return {
    rows: [...rows.values()]
      .sort((a, b) => (a.period.start !== b.period.start ? (a.period.start < b.period.start ? -1 : 1) : compareKeys(a.key, b.key)))
      .map(({ key, period, expected, submitted }) => ({
        ...key,
        periodStart: period.start,
        periodEnd: period.end,
        expectedWeeks: expected,
        submittedWeeks: submitted,
        missingWeeks: expected - submitted,
        complianceRate: percentOf(String(submitted), String(expected)),
      })),
    missing,
  };
}
