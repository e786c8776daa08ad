import { fromScaled, minorUnits, toScaled } from '../../../lib/decimal.ts';
import { badInput, DomainError } from '../../../lib/errors.ts';
import type { MilestoneStatus, ProjectStatus } from '../tables.ts';

/**
 * Only a PLANNED milestone changes: a COMPLETED one has been (or is being) billed, a CANCELLED one is history.
 * `to` is the status an update asks for; only cancelling is allowed that way (completion has its own mutation).
 */
export function assertMilestoneUpdate(from: MilestoneStatus, to: MilestoneStatus | null): void {
  if (from !== 'PLANNED') throw new DomainError('INVALID_TRANSITION', `a ${from} milestone cannot be changed`, { from });
  if (to === 'COMPLETED') throw new DomainError('INVALID_TRANSITION', 'use completeMilestone to complete a milestone', { from, to });
}

/**
 * PLANNED → COMPLETED, on a project that has been activated and is not closed: completion is a billable event
 * (`psa.milestone.completed`), so the project must be one finance can invoice.
 */
export function assertCanComplete(milestone: MilestoneStatus, project: ProjectStatus): void {
  if (milestone !== 'PLANNED') throw new DomainError('INVALID_TRANSITION', `a ${milestone} milestone cannot be completed`, { from: milestone });
  if (project === 'DRAFT' || project === 'CLOSED') {
    throw new DomainError('INVALID_TRANSITION', `milestones of a ${project} project cannot be completed`, { projectStatus: project });
  }
}

/** A contract's milestone plan as the fee check reads it (amounts in the fee's currency). */
export interface MilestonePlan {
  /** The contract's fixed fee (crm's amount); null: no fee to keep to (no amount, or not a FIXED_FEE contract). */
  fee: { amount: string; currency: string } | null;
  /** The contract's other milestones still to bill or billed (PLANNED or COMPLETED), in the fee's currency. */
  others: readonly string[];
  /** The milestone being created or changed, in its project's currency. */
  amount: { amount: string; currency: string };
}

/**
 * A FIXED_FEE contract's fee caps its milestones (DESIGN §2: the fee is billed by them): the milestones of all its
 * projects that are PLANNED or COMPLETED may not add up to more than the fee (BAD_USER_INPUT, as erp refuses a
 * billing schedule over it). A milestone in another currency than the fee is not compared (erp holds it as
 * CURRENCY_MISMATCH); a contract without a fee has nothing to keep to. erp holds whatever still passes the fee at
 * completion (FEE_EXCEEDED) — a fee amended down after the plan was set.
 */
export function assertWithinFee(plan: MilestonePlan): void {
  const { fee, amount } = plan;
  if (!fee || fee.currency !== amount.currency) return;
  const scale = minorUnits(fee.currency);
  const total = [...plan.others, amount.amount].reduce((sum, value) => sum + toScaled(value, scale), 0n);
  if (total > toScaled(fee.amount, scale)) {
    throw badInput(
      'amount',
      `the contract's milestones would bill ${fromScaled(total, scale)} ${fee.currency}, more than its fixed fee of ${fee.amount}: ` +
        `${fromScaled(toScaled(fee.amount, scale) - (total - toScaled(amount.amount, scale)), scale)} is left for this milestone`,
    );
  }
}
