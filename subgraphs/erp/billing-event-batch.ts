import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { insertByColumns } from '../../lib/db/insert-by-columns.ts';
import type { DomainEvent, EventCause } from '../../lib/events/envelope.ts';
import { billingEventColumns, billingEventRow, billingEventWritten, capUsageOf } from './billing-models.ts';
import { exceedsCap, feeSourceTypes, type CapUsage } from './domain/billing-models.ts';
import type { PlannedBilling } from './domain/posting.ts';
import { functionalValuesOf } from './fx.ts';
import { sumDecimals } from './domain/money.ts';
import * as repo from './repository.ts';
import type { BillingSetupRow, ErpDatabase } from './tables.ts';

/** A billing event to write in a batch, with what caused it (its announcements say so). */
export interface BatchedBilling {
  readonly planned: PlannedBilling;
  readonly cause: EventCause;
}

/**
 * `writeBillingEvent` for many events at once (a batch of approvals: posting-batch.ts), in a constant number of
 * statements: their functional values (two), their contracts' setups locked in contract order (one), the cap sums of
 * those contracts (one), the rows (one). The rules are writeBillingEvent's, applied in the order of `billings` as if
 * each were written after the one before: each faces its contract's cap with what the batch wrote before it counted
 * (CAP_REACHED), an event no rate converts is HELD (FX_RATE_MISSING), one invoiced by the previous system is recorded
 * as it stands. Only sources no fixed fee faces (time, expenses): a fee source goes through writeBillingEvent.
 * Returns, per billing, its id and announcements.
 */
export async function writeBillingEvents(
  trx: Transaction<ErpDatabase>,
  clock: Clock,
  billings: readonly BatchedBilling[],
): Promise<Array<{ id: string; events: DomainEvent<unknown>[] }>> {
  if (billings.length === 0) return [];
  const feeSource = billings.find(({ planned }) => feeSourceTypes.some((type) => type === planned.sourceType));
  if (feeSource) throw new Error(`writeBillingEvents takes no fixed-fee source (${feeSource.planned.sourceType}): use writeBillingEvent`);
  const values = await functionalValuesOf(trx, billings.map(({ planned }) => planned));
  const contractIds = [...new Set(billings.filter(({ planned }) => !planned.invoicedExternally).map(({ planned }) => planned.contractId))];
  const setups = new Map((await repo.lockBillingSetupsByContracts(trx, contractIds)).map((setup) => [setup.contract_id, setup]));
  /**
   * Per contract, what weighs on its cap, summed per status: its stored events, then each event the batch writes in its
   * currency, added as it is written. Kept as sums, not as a list of the batch's events: each event's cap check then
   * costs the same however many came before it in the batch (a list made a 500-approval batch quadratic).
   */
  const weights = new Map<string, CapWeights>(contractIds.map((id) => [id, new CapWeights()]));
  if (contractIds.length > 0) for (const row of await repo.capSumsByContracts(trx, contractIds)) weights.get(row.contract_id)!.add(row.status, String(row.amount));
  const now = clock.now();
  const rows: Array<ReturnType<typeof billingEventRow>> = [];
  const written = billings.map(({ planned, cause }, index) => {
    const billing = { ...planned };
    const value = values[index];
    if (billing.invoicedExternally) billing.heldReason = null;
    const billsHere = !billing.invoicedExternally;
    if (billsHere && !billing.heldReason && value.fxRate === null) billing.heldReason = 'FX_RATE_MISSING';
    const setup: BillingSetupRow | undefined = setups.get(billing.contractId);
    const capped = setup && setup.currency === billing.currency ? setup : undefined;
    let usage: CapUsage | null = null;
    if (billsHere && !billing.heldReason && capped) {
      usage = capUsageOf(capped, weights.get(billing.contractId)?.rows() ?? []);
      if (usage && exceedsCap(usage, billing.amount)) billing.heldReason = 'CAP_REACHED';
    }
    const id = randomUUID();
    const row = billingEventRow(id, billing, value, now);
    rows.push(row);
    if (capped) weights.get(billing.contractId)?.add(row.status, billing.amount);
    return { id, events: billingEventWritten(id, billing, row.status, { capUsage: usage, functionalCurrency: value.functionalCurrency }, cause, now) };
  });
  await insertByColumns(trx, 'billing_event', billingEventColumns, rows).execute();
  return written;
}

/** A contract's billing events summed per status, as `capUsageOf` reads them (one row per status). */
class CapWeights {
  readonly #sums = new Map<string, string>();

  add(status: string, amount: string) {
    this.#sums.set(status, sumDecimals([this.#sums.get(status) ?? '0', amount]));
  }

  rows(): Array<{ status: string; amount: string }> {
    return [...this.#sums].map(([status, amount]) => ({ status, amount }));
  }
}
