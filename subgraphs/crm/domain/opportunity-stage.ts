import { DomainError } from '../../../lib/errors.ts';
import type { OpportunityStage } from '../tables.ts';

const closedStages: readonly OpportunityStage[] = ['CLOSED_WON', 'CLOSED_LOST'];

export const isClosed = (stage: OpportunityStage) => closedStages.includes(stage);

/**
 * An open opportunity moves freely between the open stages (sales cycles go back and forth). It is closed only by
 * `closeOpportunityWon` / `closeOpportunityLost`, which carry what closing needs (a contract, a reason); a closed
 * opportunity never changes stage again.
 */
export function assertStageChange(from: OpportunityStage, to: OpportunityStage, via: 'update' | 'close'): void {
  if (isClosed(from)) {
    throw new DomainError('INVALID_TRANSITION', `opportunity is ${from}; a closed opportunity cannot move to ${to}`, { from, to });
  }
  if (via === 'update' && isClosed(to)) {
    throw new DomainError('INVALID_TRANSITION', `use closeOpportunityWon or closeOpportunityLost to move to ${to}`, { from, to });
  }
}
