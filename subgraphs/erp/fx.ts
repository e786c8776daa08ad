import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../../lib/audit/record.ts';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { notFound } from '../../lib/errors.ts';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import { causedBy, createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox, handleOnce } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import type { hcmTopics, LegalEntitySnapshot } from '../hcm/index.ts';
import { capHeldEvents, capUsageOf, fxColumns, type HeldEventRef } from './billing-models.ts';
import { planCapRelease } from './domain/billing-models.ts';
import { assertNoFxRateOverlap, checkFxPair, checkFxRate, functionalValue, fxRateOn, type EffectiveFxRate, type FunctionalValue } from './domain/fx.ts';
import { minorUnits } from './domain/money.ts';
import { checkedPeriod, checkPeriodDates, updatedPeriod } from './domain/rates.ts';
import { erpConsumerGroups, erpTopics, type BillingBlocked, type BillingEventHeld, type BillingEventReleased } from './events.ts';
import * as repo from './repository.ts';
import type { ErpDatabase, FxRateRow } from './tables.ts';

/** The topics hcm publishes of legal entities, checked against hcm's at compile time (erp loads none of hcm). */
export const legalEntityTopics = [
  'hcm.legal_entity.created' satisfies (typeof hcmTopics)['legalEntityCreated'],
  'hcm.legal_entity.changed' satisfies (typeof hcmTopics)['legalEntityChanged'],
] as const;

export interface CreateFxRateInput {
  fromCurrency: string;
  toCurrency: string;
  rate: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
}

export interface UpdateFxRateInput {
  rate?: string | null;
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
}

const asEffective = (row: FxRateRow): EffectiveFxRate & { rate: string } => ({
  id: row.id, fromCurrency: row.from_currency, toCurrency: row.to_currency, rate: String(row.rate), effectiveFrom: row.effective_from, effectiveTo: row.effective_to,
});

/** What a billing event about to be written is worth in its legal entity's currency (one statement). */
export async function functionalValueOf(
  trx: Transaction<ErpDatabase>,
  event: { legalEntityId: string; currency: string; date: string; amount: string },
): Promise<FunctionalValue> {
  const known = await repo.functionalRateOf(trx, event.legalEntityId, event.currency, event.date);
  return functionalValue({ amount: event.amount, currency: event.currency }, known.functional_currency, known.rate === null ? null : String(known.rate));
}

/**
 * `functionalValueOf` for many billing events about to be written, in two statements however many: their legal
 * entities' currencies, then the rates of the currency pairs that need one. Answers in the order of `events`.
 */
export async function functionalValuesOf(
  trx: Transaction<ErpDatabase>,
  events: ReadonlyArray<{ legalEntityId: string; currency: string; date: string; amount: string }>,
): Promise<FunctionalValue[]> {
  if (events.length === 0) return [];
  const currencies = new Map((await repo.legalEntityCurrencies(trx, [...new Set(events.map((event) => event.legalEntityId))])).map((entity) => [entity.id, entity.currency]));
  const pairs = [...new Map(events.flatMap((event) => {
    const to = currencies.get(event.legalEntityId);
    return to && to !== event.currency ? [[`${event.currency}:${to}`, { fromCurrency: event.currency, toCurrency: to }] as const] : [];
  })).values()];
  const rates = (await repo.fxRatesOfPairs(trx, pairs)).map(asEffective);
  return events.map((event) => {
    const to = currencies.get(event.legalEntityId) ?? null;
    const rate = to === null ? null : (fxRateOn(rates, event.currency, to, event.date)?.rate ?? null);
    return functionalValue({ amount: event.amount, currency: event.currency }, to, rate);
  });
}

/** An event held for want of a rate: what names it in its announcements, with its legal entity and date. */
type HeldForFx = HeldEventRef & { legalEntityId: string; date: string };

/** `erp.billing_event.held` and `erp.billing.blocked` (FX_RATE_MISSING) for an event written without a rate. */
export function fxMissingEvents(event: HeldForFx, functionalCurrency: string | null, cause: EventCause, now: Date): DomainEvent<unknown>[] {
  const subject = { typename: 'BillingEvent', id: event.billingEventId };
  const { currency } = event.amount;
  const reason = functionalCurrency === null
    ? `${event.sourceType} ${event.sourceId} bills in ${currency}, and erp does not know legal entity ${event.legalEntityId}'s currency yet: it is held`
    : `${event.sourceType} ${event.sourceId} bills in ${currency}, legal entity ${event.legalEntityId} keeps its books in ${functionalCurrency}, and no ${currency} → ${functionalCurrency} rate applies on ${event.date}: it is held until one is entered`;
  return [
    createEvent<BillingEventHeld>('erp', erpTopics.billingEventHeld, subject, {
      billingEventId: event.billingEventId, sourceType: event.sourceType, sourceId: event.sourceId, contractId: event.contractId, projectId: event.projectId,
      amount: event.amount, heldReason: 'FX_RATE_MISSING', capUsage: null, fx: { from: currency, to: functionalCurrency, date: event.date },
    }, cause, now),
    createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, subject, {
      contractId: event.contractId, code: 'FX_RATE_MISSING', reason, source: { type: event.sourceType, id: event.sourceId, projectId: event.projectId },
    }, cause, now),
  ];
}

/**
 * The retry rule of FX_RATE_MISSING: the events held for it (of contracts with events in `currency`, or of
 * `legalEntityId`, or all) that a rate now converts get it, their functional amount, and then face their contract's
 * cap as a new event would: oldest first, those that fit become UNBILLED (`erp.billing_event.released`), the rest HELD
 * (CAP_REACHED) with `erp.billing_event.held` and `erp.billing.blocked`. Events still without a rate stay as they
 * are. Each contract's setup is locked before its events (the order of every cap writer), in contract order.
 */
export async function releaseFxHeld(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  filter: { currency?: string; legalEntityId?: string },
  cause: EventCause,
): Promise<{ ids: string[]; events: DomainEvent<unknown>[] }> {
  const ids: string[] = [];
  const events: DomainEvent<unknown>[] = [];
  const now = clock.now();
  for (const { contract_id: contractId } of await repo.contractsWithFxHeld(trx, filter)) {
    const setup = await repo.lockBillingSetupByContract(trx, contractId);
    const held = await repo.lockFxHeldEvents(trx, contractId);
    const currencies = new Map((await repo.legalEntityCurrencies(trx, [...new Set(held.map((event) => event.legal_entity_id))])).map((entity) => [entity.id, entity.currency]));
    const pairs = [...new Map(held.flatMap((event) => {
      const to = currencies.get(event.legal_entity_id);
      return to && to !== event.currency ? [[`${event.currency}:${to}`, { fromCurrency: event.currency, toCurrency: to }] as const] : [];
    })).values()];
    const rates = (await repo.fxRatesOfPairs(trx, pairs)).map(asEffective);
    const convertible = held.flatMap((event) => {
      const to = currencies.get(event.legal_entity_id) ?? null;
      const value = functionalValue({ amount: String(event.amount), currency: event.currency }, to, to === null ? null : (fxRateOn(rates, event.currency, to, event.date)?.rate ?? null));
      return value.fxRate === null ? [] : [{ event, value, amount: String(event.amount) }];
    });
    if (convertible.length === 0) continue;
    // The cap counts what bills in its setup's currency (as writeBillingEvent does); the rest is released as it is.
    const capped = setup ? convertible.filter(({ event }) => event.currency === setup.currency) : [];
    const usage = setup && capped.length > 0 ? capUsageOf(setup, await repo.capSumsByContracts(trx, [contractId])) : null;
    /** The events released, with what the cap leaves after each (null: no cap). */
    const fitting = new Map<string, string | null>(convertible.filter((entry) => !usage || !capped.includes(entry)).map((entry) => [entry.event.id, null]));
    if (usage) {
      for (const { event: entry, remaining } of planCapRelease(capped, usage.remaining.amount, minorUnits(setup!.currency))) fitting.set(entry.event.id, remaining);
    }
    for (const { event, value } of convertible) {
      const fits = fitting.has(event.id);
      await trx
        .updateTable('billing_event')
        .set({
          ...fxColumns(value),
          updated_at: clock.now(),
          ...(fits ? { status: 'UNBILLED' as const, held_reason: null } : { held_reason: 'CAP_REACHED' }),
        })
        .where('id', '=', event.id)
        .execute();
      const amount = { amount: String(event.amount), currency: event.currency };
      const ref = { billingEventId: event.id, sourceType: event.source_type, sourceId: event.source_id, contractId, projectId: event.project_id, amount };
      if (!fits) {
        events.push(...capHeldEvents(ref, usage!, cause, now));
        continue;
      }
      ids.push(event.id);
      const remaining = fitting.get(event.id) ?? null;
      events.push(
        createEvent<BillingEventReleased>('erp', erpTopics.billingEventReleased, { typename: 'BillingEvent', id: event.id }, {
          ...ref, heldReason: 'FX_RATE_MISSING', remaining: remaining === null ? null : { amount: remaining, currency: event.currency },
        }, cause, now),
      );
    }
  }
  return { ids, events };
}

/**
 * Exchange rates and the currencies of legal entities (DESIGN §2). Rates are effective-dated per pair, FINANCE's (and
 * ADMIN's) to enter; a billing event captures the rate of its date when it is written and keeps it (a later change
 * of the rate applies to events written after it, never to those already converted). Entering or changing a rate, or
 * learning a legal entity's currency, retries the events held for FX_RATE_MISSING (releaseFxHeld).
 */
export function createFxService(deps: { db: Kysely<ErpDatabase>; clock: Clock; onCommit: () => void }) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);

  /** Refuses a rate whose period overlaps another of its pair; holds the pair's lock. */
  async function checkPairOverlap(trx: Transaction<ErpDatabase>, candidate: EffectiveFxRate) {
    await repo.lockFxPair(trx, candidate.fromCurrency, candidate.toCurrency);
    const existing = await repo.fxRatesOfPairs(trx, [candidate]);
    assertNoFxRateOverlap(existing.map(asEffective), candidate);
  }

  async function retryHeld(trx: Transaction<ErpDatabase>, currency: string, cause: EventCause) {
    await appendToOutbox(trx, (await releaseFxHeld(trx, clock, { currency }, cause)).events);
  }

  return {
    async createFxRate(scope: RequestScope, input: CreateFxRateInput, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, 'FINANCE');
      const candidate: EffectiveFxRate = {
        ...checkFxPair(input.fromCurrency, input.toCurrency),
        ...checkedPeriod(input),
      };
      const rate = checkFxRate(input.rate);
      return write(scope, 'createFxRate', idempotencyKey, input, async (trx) => {
        await checkPairOverlap(trx, candidate);
        const id = randomUUID();
        const fxRate = {
          id,
          from_currency: candidate.fromCurrency,
          to_currency: candidate.toCurrency,
          rate,
          effective_from: candidate.effectiveFrom,
          effective_to: candidate.effectiveTo,
        };
        await trx.insertInto('fx_rate').values(fxRate).execute();
        await recordAudit(trx, scope, { entityType: 'FxRate', entityId: id, operation: 'createFxRate', before: null, after: fxRate });
        await retryHeld(trx, candidate.fromCurrency, scope);
        return id;
      });
    },

    /** Changes a rate's value or period (its pair is what it is: enter a new rate for another pair). */
    async updateFxRate(scope: RequestScope, id: string, input: UpdateFxRateInput, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, 'FINANCE');
      const rate = input.rate == null ? null : checkFxRate(input.rate);
      checkPeriodDates(input);
      return write(scope, 'updateFxRate', idempotencyKey, { id, input }, async (trx) => {
        const current = await repo.lockFxRate(trx, id);
        if (!current) throw notFound('FxRate', id);
        const candidate: EffectiveFxRate = { ...asEffective(current), ...updatedPeriod(current, input) };
        await checkPairOverlap(trx, candidate);
        const changes = { ...(rate !== null ? { rate } : {}), effective_from: candidate.effectiveFrom, effective_to: candidate.effectiveTo };
        await trx
          .updateTable('fx_rate')
          .set({ ...changes, updated_at: clock.now() })
          .where('id', '=', id)
          .execute();
        const after = { ...current, ...changes };
        await recordAudit(trx, scope, { entityType: 'FxRate', entityId: id, operation: 'updateFxRate', before: current, after });
        await retryHeld(trx, candidate.fromCurrency, scope);
        return id;
      });
    },

    /**
     * `hcm.legal_entity.created|changed` → erp's copy of the entity's currency, then the retry of its events held for
     * FX_RATE_MISSING (an entity erp did not know yet, or whose currency changed). Events already converted keep the
     * currency and rate they were converted with. Idempotent on the event id.
     */
    async applyLegalEntity(event: DomainEvent<LegalEntitySnapshot>): Promise<void> {
      const entity = event.data;
      const applied = await handleOnce(db, erpConsumerGroups.legalEntities, event, async (trx) => {
        await trx
          .insertInto('legal_entity')
          .values({ id: entity.legalEntityId, currency: entity.currency, updated_at: clock.now() })
          .onConflict((conflict) => conflict.column('id').doUpdateSet({ currency: entity.currency, updated_at: clock.now() }))
          .execute();
        await appendToOutbox(trx, (await releaseFxHeld(trx, clock, { legalEntityId: entity.legalEntityId }, causedBy(event))).events);
      });
      if (applied) deps.onCommit();
    },
  };
}

export type FxService = ReturnType<typeof createFxService>;

/** Subscribes the legal-entity consumer (group `erp.legal-entities`). */
export async function subscribeLegalEntities(bus: EventBus, service: FxService): Promise<Subscription[]> {
  return [
    await bus.subscribe({
      group: erpConsumerGroups.legalEntities,
      types: legalEntityTopics,
      handler: (event) => service.applyLegalEntity(event as unknown as DomainEvent<LegalEntitySnapshot>),
    }),
  ];
}
