import type { Kysely, Transaction } from 'kysely';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import type { HeldEventRef } from './billing-models.ts';
import { feeOf, feeRemaining, feeSourceTypes } from './domain/billing-models.ts';
import { minorUnits, sumDecimals } from './domain/money.ts';
import { erpTopics, type BillingBlocked, type BillingEventHeld } from './events.ts';
import * as repo from './repository.ts';
import type { BillingSetupRow, BillingSourceType, ErpDatabase } from './tables.ts';

/**
 * A FIXED_FEE contract's fee as a cap on its milestones, schedule lines and percent-complete runs (the rule in
 * `domain/billing-models.ts`): what it has left, and the announcements of an event it holds. writeBillingEvent checks
 * it; cap-release.ts releases what it held.
 */

/** The fixed fee's use as `erp.billing_event.held` reports it: the fee, what its sources asked for, what was left. */
export type FeeUsage = Record<'fee' | 'asked' | 'remaining', { amount: string; currency: string }>;

/** `erp.billing_event.held` and `erp.billing.blocked` (FEE_EXCEEDED) for a fixed-fee source its contract's fee holds. */
export function feeHeldEvents(event: HeldEventRef, usage: FeeUsage, cause: EventCause, now: Date): DomainEvent<unknown>[] {
  const subject = { typename: 'BillingEvent', id: event.billingEventId };
  return [
    createEvent<BillingEventHeld>('erp', erpTopics.billingEventHeld, subject, { ...event, heldReason: 'FEE_EXCEEDED', capUsage: null, feeUsage: usage }, cause, now),
    createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, subject, {
      contractId: event.contractId,
      code: 'FEE_EXCEEDED',
      reason: `${event.sourceType} ${event.sourceId} bills ${event.amount.amount} ${event.amount.currency}, contract ${event.contractId}'s fixed fee of ${usage.fee.amount} has ${usage.remaining.amount} left: it is held until an amendment raises the fee`,
      source: { type: event.sourceType, id: event.sourceId, projectId: event.projectId },
    }, cause, now),
  ];
}

/** A FIXED_FEE contract's fee and its use by fee sources in its currency (feeRemaining); null when `sourceType` has no fee. */
export async function feeUsageOf(
  db: Kysely<ErpDatabase> | Transaction<ErpDatabase>,
  setup: BillingSetupRow,
  sourceType: BillingSourceType,
): Promise<FeeUsage | null> {
  const contractAmount = setup.contract_amount === null ? null : String(setup.contract_amount);
  const fee = feeOf({ billingMethod: setup.billing_method, contractAmount }, sourceType);
  if (fee === null) return null;
  const asked = await repo.feeAskedOfContract(db, setup.contract_id, setup.currency, feeSourceTypes);
  const money = (amount: string) => ({ amount: sumDecimals([amount], minorUnits(setup.currency)), currency: setup.currency });
  return { fee: money(fee), asked: money(asked), remaining: money(feeRemaining(fee, asked, setup.currency)) };
}
