import { trimDecimal } from '../../../lib/decimal.ts';
import type { BillingEventChangeRow, BillingEventRow, CostPostingRow, InvoiceLineRow } from '../tables.ts';
import { markupFactor, withMarkup } from './billing-models.ts';
import { lineAmount, minorUnits, multiplyDecimals, type Money } from './money.ts';
import type { BillingBasis, ApprovalFacts } from './posting.ts';

/**
 * "Why is this amount what it is" (`explanation` on billing events, invoice lines and cost postings), built from what
 * erp kept when it wrote the amount (the row, its `basis`) and from the trail of its changes: nothing is looked up
 * again, so the explanation says what priced the amount then, whatever rates, setups or cards say today. Every number
 * it shows reproduces the next by the rule it names (DESIGN §2: half-up, once, on the product).
 */
export interface AmountExplanation {
  summary: string;
  sources: ExplainedSource[];
  quantity: string | null;
  rate: Money | null;
  rateRule: ExplainedRateRule | null;
  baseAmount: Money | null;
  markupPercent: string | null;
  exactAmount: string;
  roundingDecimals: number;
  computedAmount: Money;
  amount: Money;
  fx: { rate: string; date: string; exactAmount: string; amount: Money } | null;
  changes: ExplainedChange[];
}

export interface ExplainedSource {
  type: BillingEventRow['source_type'];
  id: string;
  approval: ApprovalFacts | null;
}

export type ExplainedRateRule =
  | { kind: 'ASSIGNMENT_OVERRIDE'; description: string; assignmentId: string }
  | { kind: 'RATE_CARD'; description: string; rateCardId: string; rateId: string; roleId: string; effectiveFrom: string; effectiveTo: string | null }
  | { kind: 'COST_RATE'; description: string; costRateId: string; effectiveFrom: string; effectiveTo: string | null };

export type AmountChangeKind = 'HELD' | 'RELEASED' | 'BILLED' | 'UNBILLED' | 'REVERSED' | 'AMOUNT_CHANGED' | 'CONVERTED' | 'STATUS_CHANGED';

export interface ExplainedChange {
  at: Date;
  kind: AmountChangeKind;
  description: string;
  status: BillingEventRow['status'];
  heldReason: string | null;
  amount: Money;
  functionalAmount: Money | null;
}

const period = (from: string, to: string | null) => (to === null ? `from ${from}, open-ended` : `from ${from} to ${to}`);

/** The rounding rule in words, for the summary. */
const halfUp = (currency: string) => `half-up to ${minorUnits(currency)} decimals`;

/**
 * quantity × unit price as `lineAmount` computes it (DESIGN §2: exact product, half-up once to the currency's minor
 * unit), with the product before rounding and the computation in words (`unit`: "h" for hours, "" for a quantity).
 */
function priced(quantity: string, unitPrice: string, currency: string, unit: string) {
  const exact = trimDecimal(multiplyDecimals(quantity, unitPrice));
  const computed = lineAmount(quantity, unitPrice, currency);
  return {
    exactAmount: exact,
    computedAmount: { amount: computed, currency },
    text: `${quantity}${unit ? ` ${unit}` : ''} × ${unitPrice} ${currency} = ${exact} → ${computed} ${currency} (${halfUp(currency)})`,
  };
}

function billRateRuleOf(basis: BillingBasis | null): ExplainedRateRule | null {
  const rule = basis?.rateRule;
  if (!rule) return null;
  if (rule.kind === 'ASSIGNMENT_OVERRIDE') {
    return { ...rule, description: `the bill rate override of assignment ${rule.assignmentId} (it wins over the rate card)` };
  }
  return {
    ...rule,
    description: `rate ${rule.rateId} of rate card ${rule.rateCardId} for role ${rule.roleId}, effective ${period(rule.effectiveFrom, rule.effectiveTo)}`,
  };
}

/** What a change did, judged from its old and new values (a statement may change several at once: the first that applies). */
function changeKind(change: BillingEventChangeRow): AmountChangeKind {
  if (change.old_status !== change.new_status) {
    if (change.new_status === 'HELD') return 'HELD';
    if (change.new_status === 'REVERSED') return 'REVERSED';
    if (change.new_status === 'BILLED') return 'BILLED';
    if (change.old_status === 'HELD' && change.new_status === 'UNBILLED') return 'RELEASED';
    if (change.old_status === 'BILLED' && change.new_status === 'UNBILLED') return 'UNBILLED';
    return 'STATUS_CHANGED';
  }
  if (change.old_held_reason !== change.new_held_reason) return 'HELD';
  if (change.old_amount !== change.new_amount) return 'AMOUNT_CHANGED';
  return 'CONVERTED';
}

const held = (status: string, reason: string | null) => (reason ? `${status} (${reason})` : status);

function explainChange(change: BillingEventChangeRow, event: BillingEventRow): ExplainedChange {
  const currency = event.currency;
  const parts: string[] = [];
  if (change.old_status !== change.new_status || change.old_held_reason !== change.new_held_reason) {
    parts.push(`${held(change.old_status, change.old_held_reason)} → ${held(change.new_status, change.new_held_reason)}`);
  }
  if (change.old_amount !== change.new_amount) parts.push(`amount ${change.old_amount} → ${change.new_amount} ${currency}`);
  if (change.old_fx_rate !== change.new_fx_rate || change.old_functional_amount !== change.new_functional_amount) {
    parts.push(`FX rate ${change.old_fx_rate ?? 'none'} → ${change.new_fx_rate ?? 'none'}, functional amount ${change.old_functional_amount ?? 'none'} → ${change.new_functional_amount ?? 'none'}`);
  }
  return {
    at: change.changed_at,
    kind: changeKind(change),
    description: parts.join('; '),
    status: change.new_status,
    heldReason: change.new_held_reason,
    amount: { amount: change.new_amount, currency },
    functionalAmount:
      change.new_functional_amount === null || event.functional_currency === null ? null : { amount: change.new_functional_amount, currency: event.functional_currency },
  };
}

/** The amount a billing event was written with: its first change's old amount, else the amount it has. */
const writtenAmount = (event: BillingEventRow, changes: readonly BillingEventChangeRow[]) => changes[0]?.old_amount ?? event.amount;

/** `explanation` of a billing event, from the row, its basis and its changes (oldest first). */
export function explainBillingEvent(event: BillingEventRow, changes: readonly BillingEventChangeRow[]): AmountExplanation {
  const basis = event.basis;
  const currency = event.currency;
  const decimals = minorUnits(currency);
  const written = writtenAmount(event, changes);
  const source: ExplainedSource = { type: event.source_type, id: event.source_id, approval: basis?.approval ?? null };
  const common = {
    sources: event.source_type === 'ADJUSTMENT' ? [] : [source],
    roundingDecimals: decimals,
    amount: { amount: event.amount, currency },
    fx: fxOf(event),
    changes: changes.map((change) => explainChange(change, event)),
  };
  const moved = event.amount === written ? '' : `; now ${event.amount} ${currency} after the changes listed`;
  if (event.hours !== null && event.rate !== null) {
    const { text, exactAmount, computedAmount } = priced(event.hours, event.rate, currency, 'h');
    const rule = billRateRuleOf(basis);
    return {
      ...common,
      summary: `${text}${rule ? `; rate: ${rule.description}` : ''}${moved}`,
      quantity: event.hours,
      rate: { amount: event.rate, currency },
      rateRule: rule,
      baseAmount: null,
      markupPercent: null,
      exactAmount,
      computedAmount,
    };
  }
  if (basis?.expense) {
    const { cost, markupPercent } = basis.expense;
    const factor = `(1 + ${trimDecimal(markupPercent)} ÷ 100)`;
    const exact = multiplyDecimals(cost.amount, markupFactor(markupPercent));
    const computed = withMarkup(cost, markupPercent);
    return {
      ...common,
      summary: `${cost.amount} ${cost.currency} × ${factor} = ${trimDecimal(exact)} → ${computed.amount} ${computed.currency} (${halfUp(computed.currency)})${moved}`,
      quantity: null,
      rate: null,
      rateRule: null,
      baseAmount: cost,
      markupPercent: trimDecimal(markupPercent),
      exactAmount: trimDecimal(exact),
      computedAmount: computed,
    };
  }
  const noRate = event.source_type === 'TIME_ENTRY' ? ' (no bill rate was frozen at approval: held until one is)' : '';
  return {
    ...common,
    summary: `${written} ${currency}, as its ${event.source_type.toLowerCase().replace(/_/g, ' ')} ${event.source_id} set it${noRate}${moved}`,
    quantity: event.hours,
    rate: null,
    rateRule: null,
    baseAmount: null,
    markupPercent: null,
    exactAmount: trimDecimal(written),
    computedAmount: { amount: written, currency },
  };
}

function fxOf(event: BillingEventRow): AmountExplanation['fx'] {
  if (event.fx_rate === null || event.functional_amount === null || event.functional_currency === null) return null;
  return {
    rate: trimDecimal(event.fx_rate),
    date: event.date,
    exactAmount: trimDecimal(multiplyDecimals(event.amount, event.fx_rate)),
    amount: { amount: event.functional_amount, currency: event.functional_currency },
  };
}

/** An invoice line's explanation: its billing event's; an adjustment line's (no event) is its quantity × unit price. */
export function explainInvoiceLine(line: InvoiceLineRow, event: BillingEventRow | null, changes: readonly BillingEventChangeRow[]): AmountExplanation {
  if (event) return explainBillingEvent(event, changes);
  const { text, exactAmount, computedAmount } = priced(line.quantity, line.unit_price, line.currency, '');
  return {
    summary: `${text}, entered on the invoice`,
    sources: [],
    quantity: line.quantity,
    rate: { amount: line.unit_price, currency: line.currency },
    rateRule: null,
    baseAmount: null,
    markupPercent: null,
    exactAmount,
    roundingDecimals: minorUnits(line.currency),
    computedAmount,
    amount: { amount: line.amount, currency: line.currency },
    fx: null,
    changes: [],
  };
}

/** A cost posting's explanation: hours × the cost rate of its hcm period, or an expense's amount; a reversal negates its original. */
export function explainCostPosting(posting: CostPostingRow): AmountExplanation {
  const currency = posting.currency;
  const basis = posting.basis;
  const source: ExplainedSource = { type: posting.source_type, id: posting.source_id, approval: basis?.approval ?? null };
  const common = { sources: [source], roundingDecimals: minorUnits(currency), amount: { amount: posting.amount, currency }, fx: null, changes: [], baseAmount: null, markupPercent: null };
  const reversal = posting.reversal_of ? `; reverses cost posting ${posting.reversal_of}` : '';
  if (posting.hours !== null && posting.cost_rate !== null) {
    const { text, exactAmount, computedAmount } = priced(posting.hours, posting.cost_rate, currency, 'h');
    const rate = basis?.costRate;
    const rule: ExplainedRateRule | null = rate
      ? { kind: 'COST_RATE', costRateId: rate.id, effectiveFrom: rate.effectiveFrom, effectiveTo: rate.effectiveTo, description: `the worker's cost rate ${rate.id} in hcm, effective ${period(rate.effectiveFrom, rate.effectiveTo)}` }
      : null;
    return {
      ...common,
      summary: `${text}${rule ? `; rate: ${rule.description}` : ''}${reversal}`,
      quantity: posting.hours,
      rate: { amount: posting.cost_rate, currency },
      rateRule: rule,
      exactAmount,
      computedAmount,
    };
  }
  return {
    ...common,
    summary: `${posting.amount} ${currency}: the ${posting.source_type === 'EXPENSE' ? 'expense' : 'source'}'s own amount${reversal}`,
    quantity: null,
    rate: null,
    rateRule: null,
    exactAmount: trimDecimal(posting.amount),
    computedAmount: { amount: posting.amount, currency },
  };
}
