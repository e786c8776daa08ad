import { fromScaled, percentOf, toScaled } from '../../../lib/decimal.ts';
import { dateOfDay, dayNumber } from '../../../lib/calendar-periods.ts';
import { plannedHoursWithin, type PlannedWindow } from '../../../lib/planned-hours.ts';

const dayAfter = (date: string) => dateOfDay(dayNumber(date) + 1);

/** What psa plans for an assignment: its hours over its window. */
export type AssignmentPlan = PlannedWindow;

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

/**
 * The part of an assignment's plan still ahead of `today`: its planned hours after today by the one spreading rule
 * (`plannedHoursWithin`: evenly over the window's weekdays), in hundredths. Today counts as past (its time may be
 * logged already).
 */
export function remainingPlannedHours(plan: AssignmentPlan, today: string): bigint {
  return plannedHoursWithin(plan, dayAfter(today), plan.endDate);
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
