import type { Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { capUsageOf } from './billing-models.ts';
import { planCapRelease } from './domain/billing-models.ts';
import { minorUnits } from './domain/money.ts';
import { erpTopics, type BillingEventReleased } from './events.ts';
import * as repo from './repository.ts';
import type { BillingSetupRow, ErpDatabase } from './tables.ts';

/**
 * Releases a contract's billing events held by its not-to-exceed cap (CAP_REACHED) that the cap now admits, oldest
 * first (event date, then when written), never past the cap: each that fits what billed + unbilled leave under it
 * becomes UNBILLED; one that does not fit stays HELD (a smaller later one may still fit, as a new event would). No cap
 * any more: all are released. The caller holds the lock on `setup` (the cap's lock, which every writer of billing
 * events takes), so nothing else fills the cap meanwhile. Returns the released events' ids and their announcements.
 */
export async function releaseCapHeld(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  setup: BillingSetupRow,
  cause: EventCause,
): Promise<{ ids: string[]; events: DomainEvent<unknown>[] }> {
  const held = (await repo.lockCapHeldEvents(trx, setup.contract_id)).filter((event) => event.currency === setup.currency);
  if (held.length === 0) return { ids: [], events: [] };
  const usage = capUsageOf(setup, await repo.capSumsByContracts(trx, [setup.contract_id]));
  const released = planCapRelease(
    held.map((event) => ({ ...event, amount: String(event.amount) })),
    usage ? usage.remaining.amount : null,
    minorUnits(setup.currency),
  );
  if (released.length === 0) return { ids: [], events: [] };
  const ids = released.map(({ event }) => event.id);
  await trx.updateTable('billing_event').set({ status: 'UNBILLED', held_reason: null }).where('id', 'in', ids).execute();
  const now = clock.now();
  const events = released.map(({ event, remaining }) =>
    createEvent<BillingEventReleased>('erp', erpTopics.billingEventReleased, { typename: 'BillingEvent', id: event.id }, {
      billingEventId: event.id, sourceType: event.source_type, sourceId: event.source_id, contractId: event.contract_id, projectId: event.project_id,
      amount: { amount: event.amount, currency: event.currency }, heldReason: 'CAP_REACHED',
      remaining: remaining === null ? null : { amount: remaining, currency: setup.currency },
    }, cause, now),
  );
  return { ids, events };
}
