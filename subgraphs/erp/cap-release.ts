import type { Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { capHeldEvents, capUsageOf } from './billing-models.ts';
import { feeUsageOf } from './fee-cap.ts';
import { fxMissingEvents } from './fx.ts';
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
  const held = (await repo.lockHeldEvents(trx, setup.contract_id, 'CAP_REACHED')).filter((event) => event.currency === setup.currency);
  if (held.length === 0) return { ids: [], events: [] };
  const usage = capUsageOf(setup, await repo.capSumsByContracts(trx, [setup.contract_id]));
  const released = planCapRelease(
    held.map((event) => ({ ...event, amount: String(event.amount) })),
    usage ? usage.remaining.amount : null,
    minorUnits(setup.currency),
  );
  if (released.length === 0) return { ids: [], events: [] };
  const ids = released.map(({ event }) => event.id);
  const now = clock.now();
  await trx.updateTable('billing_event').set({ status: 'UNBILLED', held_reason: null, updated_at: now }).where('id', 'in', ids).execute();
  const events = released.map(({ event, remaining }) =>
    createEvent<BillingEventReleased>('erp', erpTopics.billingEventReleased, { typename: 'BillingEvent', id: event.id }, {
      billingEventId: event.id, sourceType: event.source_type, sourceId: event.source_id, contractId: event.contract_id, projectId: event.project_id,
      amount: { amount: event.amount, currency: event.currency }, heldReason: 'CAP_REACHED',
      remaining: remaining === null ? null : { amount: remaining, currency: setup.currency },
    }, cause, now),
  );
  return { ids, events };
}

/**
 * Releases a FIXED_FEE contract's billing events held by its fee (FEE_EXCEEDED) that the fee now admits — an amendment
 * raised the contract's amount, or room under it was freed — oldest first (the order of the cap's release): each that
 * fits what the fee leaves takes its room; one that does not stays HELD (a smaller later one may still fit). Without a
 * fee any more (no amount) all are released. Each admitted event then faces the cap as a new event would (UNBILLED
 * when it fits, else HELD CAP_REACHED), or, written without an exchange rate, waits for one (HELD FX_RATE_MISSING): a
 * fee never releases past the other rules. The caller holds the lock on `setup`.
 */
export async function releaseFeeHeld(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  setup: BillingSetupRow,
  cause: EventCause,
): Promise<{ ids: string[]; events: DomainEvent<unknown>[] }> {
  const held = (await repo.lockHeldEvents(trx, setup.contract_id, 'FEE_EXCEEDED')).filter((event) => event.currency === setup.currency);
  if (held.length === 0) return { ids: [], events: [] };
  const scale = minorUnits(setup.currency);
  const fee = await feeUsageOf(trx, setup, 'MILESTONE');
  const admitted = planCapRelease(held.map((event) => ({ ...event, amount: String(event.amount) })), fee ? fee.remaining.amount : null, scale);
  if (admitted.length === 0) return { ids: [], events: [] };
  const cap = capUsageOf(setup, await repo.capSumsByContracts(trx, [setup.contract_id]));
  const converted = admitted.map(({ event }) => event).filter((event) => event.fx_rate !== null);
  const fitting = new Set(planCapRelease(converted, cap ? cap.remaining.amount : null, scale).map(({ event }) => event.id));
  const ids: string[] = [];
  const events: DomainEvent<unknown>[] = [];
  const now = clock.now();
  for (const { event, remaining } of admitted) {
    const heldReason = event.fx_rate === null ? 'FX_RATE_MISSING' : fitting.has(event.id) ? null : 'CAP_REACHED';
    await trx
      .updateTable('billing_event')
      .set(heldReason ? { held_reason: heldReason, updated_at: now } : { status: 'UNBILLED', held_reason: null, updated_at: now })
      .where('id', '=', event.id)
      .execute();
    const amount = { amount: event.amount, currency: event.currency };
    const ref = { billingEventId: event.id, sourceType: event.source_type, sourceId: event.source_id, contractId: event.contract_id, projectId: event.project_id, amount };
    if (heldReason === 'FX_RATE_MISSING') {
      events.push(...fxMissingEvents({ ...ref, legalEntityId: event.legal_entity_id, date: event.date }, event.functional_currency, cause, now));
    } else if (heldReason === 'CAP_REACHED') {
      events.push(...capHeldEvents(ref, cap!, cause, now));
    } else {
      ids.push(event.id);
      events.push(
        createEvent<BillingEventReleased>('erp', erpTopics.billingEventReleased, { typename: 'BillingEvent', id: event.id }, {
          ...ref, heldReason: 'FEE_EXCEEDED', remaining: remaining === null ? null : { amount: remaining, currency: setup.currency },
        }, cause, now),
      );
    }
  }
  return { ids, events };
}
