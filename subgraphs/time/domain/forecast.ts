import { fromScaled, percentOf, toScaled } from '../../../lib/decimal.ts';
import { dayNumber, isoWeekdayOfDay } from '../../../lib/calendar-periods.ts';

/** What psa plans for an assignment: its hours over its window. */
export interface AssignmentPlan {
  plannedHours: string | null;
  startDate: string;
  endDate: string;
}

export interface AssignmentForecast {
  asOf: string;
  plannedHours: string;
  plannedHoursToDate: string;
  approvedHours: string;
  varianceHours: string;
  percentConsumed: string | null;
  remainingPlannedHours: string;
  estimateAtCompletion: string;
  varianceAtCompletion: string;
}

export interface ProjectForecast extends AssignmentForecast {
  budgetHours: string | null;
  percentOfBudgetConsumed: string | null;
  estimateAtCompletionPercentOfBudget: string | null;
  budgetVarianceAtCompletion: string | null;
}

const hundredths = (hours: string) => toScaled(hours, 2);
const hours = (value: bigint) => fromScaled(value, 2);

/** Days of [from, to] (inclusive), counting only Monday to Friday when `weekdaysOnly`. */
function daysWithin(from: number, to: number, weekdaysOnly: boolean): number {
  let count = 0;
  for (let day = from; day <= to; day++) if (!weekdaysOnly || isoWeekdayOfDay(day) <= 5) count++;
  return count;
}

/**
 * The part of an assignment's plan still ahead of `today`: planned hours × the share of the window's weekdays
 * (Monday to Friday) after today, rounded half-up to hundredths. Today counts as past (its time may be logged
 * already). A window without any weekday is shared by calendar days. Planned hours are psa's one figure for the
 * window, spread evenly: the worker's own calendar and leave are hcm's and not consulted here.
 */
export function remainingPlannedHours(plan: AssignmentPlan, today: string): bigint {
  const planned = hundredths(plan.plannedHours ?? '0');
  const start = dayNumber(plan.startDate);
  const end = dayNumber(plan.endDate);
  const ahead = Math.max(start, dayNumber(today) + 1);
  if (planned === 0n || ahead > end) return 0n;
  const weekdaysOnly = daysWithin(start, end, true) > 0;
  const total = BigInt(daysWithin(start, end, weekdaysOnly));
  const left = BigInt(daysWithin(ahead, end, weekdaysOnly));
  return (2n * planned * left + total) / (2n * total);
}

/** The figures of a plan against approved hours (hundredths); the rule of AssignmentForecast in the SDL. */
function figures(asOf: string, planned: bigint, remaining: bigint, approved: bigint): AssignmentForecast {
  const estimate = approved + remaining;
  return {
    asOf,
    plannedHours: hours(planned),
    plannedHoursToDate: hours(planned - remaining),
    approvedHours: hours(approved),
    varianceHours: hours(approved - (planned - remaining)),
    percentConsumed: percentOf(hours(approved), hours(planned)),
    remainingPlannedHours: hours(remaining),
    estimateAtCompletion: hours(estimate),
    varianceAtCompletion: hours(planned - estimate),
  };
}

/**
 * An assignment's forecast: plan to date = planned − remaining (remainingPlannedHours), variance = approved − plan to
 * date, EAC = approved to date + remaining, VAC = planned − EAC, percent consumed = approved ÷ planned. No planned
 * hours counts as 0 (nothing remains, the EAC is what was approved).
 */
export function assignmentForecast(plan: AssignmentPlan, approvedHours: string, today: string): AssignmentForecast {
  return figures(today, hundredths(plan.plannedHours ?? '0'), remainingPlannedHours(plan, today), hundredths(approvedHours));
}

/**
 * A project's forecast: the plan is the sum of its CONFIRMED assignments' (each with the assignment rule), the actual
 * every approved hour on the project, so EAC = the project's approved hours + the assignments' remaining plan. Against
 * the budget: approved ÷ budget and EAC ÷ budget in percent, and budget − EAC; null without a budget.
 */
export function projectForecast(plans: readonly AssignmentPlan[], approvedHours: string, budgetHours: string | null, today: string): ProjectForecast {
  const planned = plans.reduce((sum, plan) => sum + hundredths(plan.plannedHours ?? '0'), 0n);
  const remaining = plans.reduce((sum, plan) => sum + remainingPlannedHours(plan, today), 0n);
  const base = figures(today, planned, remaining, hundredths(approvedHours));
  const budget = budgetHours === null ? null : hours(hundredths(budgetHours));
  return {
    ...base,
    budgetHours: budget,
    percentOfBudgetConsumed: budget === null ? null : percentOf(base.approvedHours, budget),
    estimateAtCompletionPercentOfBudget: budget === null ? null : percentOf(base.estimateAtCompletion, budget),
    budgetVarianceAtCompletion: budget === null ? null : hours(hundredths(budget) - hundredths(base.estimateAtCompletion)),
  };
}
