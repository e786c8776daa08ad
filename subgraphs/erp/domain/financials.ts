import { compareDecimals } from '../../../lib/decimal.ts';
import { lineAmount, negate, percentOf, sumByCurrency, sumDecimals, type Money } from './money.ts';

/**
 * One aggregate of a project's money, per currency, as the repository sums it in SQL:
 * COST cost postings (reversals included, so they net out); BILLED invoice lines on issued invoices; CREDITED credit
 * note lines on issued credit notes; UNBILLED billing events not yet invoiced (UNBILLED and HELD); ON_DRAFT billing
 * events on a draft invoice (amount and hours); BILLED_HOURS hours of billing events on an issued invoice.
 * The same revenue in the legal entity's (functional) currency, `currency` being that currency:
 * BILLED_FUNCTIONAL issued lines at their billing events' captured functional amounts; UNBILLED_FUNCTIONAL the
 * functional amounts of events not on an issued invoice yet (unbilled, held, on a draft); CREDITED_FUNCTIONAL issued
 * credits of events converted at `fxRate`, as a negative sum in the invoice's currency (converted here); UNCONVERTED
 * revenue (billed, less credits, and unbilled) of events without a captured rate, in their own currency.
 */
export interface FinancialFact {
  kind: 'COST' | 'BILLED' | 'CREDITED' | 'UNBILLED' | 'ON_DRAFT' | 'BILLED_HOURS' | 'BILLED_FUNCTIONAL' | 'CREDITED_FUNCTIONAL' | 'UNBILLED_FUNCTIONAL' | 'UNCONVERTED';
  currency: string;
  amount: string;
  hours: string;
  /** CREDITED_FUNCTIONAL: the rate its events were converted at. */
  fxRate?: string | null;
}

export interface ProjectFinancials {
  costToDate: Money[];
  billed: Money[];
  unbilledAmount: Money[];
  unbilledHours: string;
  onDraftAmount: Money[];
  margin: Money[];
  functionalRevenue: Money[];
  functionalMargin: Money[];
  unconvertedRevenue: Money[];
  budgetBurnPercent: string | null;
}

/**
 * A project's financials, per currency (never adding unlike currencies):
 * - billed = issued invoice lines − issued credit note lines;
 * - on draft = billing events on draft invoices (delivered, not billed yet: finance has not issued the draft);
 * - margin = billed + on draft + unbilled − cost to date, per currency (cost is in the employing legal entity's currency, so a
 *   project billed in USD by EUR staff shows a USD gain and a EUR cost);
 * - functional revenue = the same billed + on draft + unbilled in the billing legal entity's currency, at the rates the billing
 *   events captured (a credit converts at its event's rate: per rate, half-up once to the currency's minor unit);
 *   functional margin = functional revenue − cost to date, per currency, which puts a USD contract of EUR staff in
 *   one currency; revenue without a captured rate is left out of both and shown as unconverted revenue;
 * - budget burn = hours delivered for billing (billed, on draft and unbilled) ÷ budget hours, in percent; null without a budget.
 */
export function projectFinancials(facts: readonly FinancialFact[], budgetHours: string | null | undefined): ProjectFinancials {
  const of = (kind: FinancialFact['kind']) => facts.filter((fact) => fact.kind === kind);
  const asMoney = (fact: FinancialFact) => ({ amount: fact.amount, currency: fact.currency });
  const cost = of('COST').map(asMoney);
  const billed = [...of('BILLED').map(asMoney), ...of('CREDITED').map((fact) => ({ ...asMoney(fact), amount: negate(fact.amount) }))];
  const unbilled = of('UNBILLED').map(asMoney);
  const onDraft = of('ON_DRAFT').map(asMoney);
  const unbilledHours = sumDecimals(of('UNBILLED').map((fact) => fact.hours), 2);
  const deliveredHours = sumDecimals([unbilledHours, ...of('ON_DRAFT').map((fact) => fact.hours), ...of('BILLED_HOURS').map((fact) => fact.hours)], 2);
  const functionalRevenue = [
    ...of('BILLED_FUNCTIONAL').map(asMoney),
    ...of('UNBILLED_FUNCTIONAL').map(asMoney),
    ...of('CREDITED_FUNCTIONAL').map((fact) => ({ amount: lineAmount(fact.amount, fact.fxRate!, fact.currency), currency: fact.currency })),
  ];
  const costNegated = cost.map((money) => ({ ...money, amount: negate(money.amount) }));
  return {
    costToDate: sumByCurrency(cost),
    billed: sumByCurrency(billed),
    unbilledAmount: sumByCurrency(unbilled),
    unbilledHours,
    onDraftAmount: sumByCurrency(onDraft),
    margin: sumByCurrency([...billed, ...onDraft, ...unbilled, ...costNegated]),
    functionalRevenue: sumByCurrency(functionalRevenue),
    functionalMargin: sumByCurrency([...functionalRevenue, ...costNegated]),
    unconvertedRevenue: sumByCurrency(of('UNCONVERTED').map(asMoney)).filter((money) => compareDecimals(money.amount, '0') !== 0),
    budgetBurnPercent: budgetHours == null ? null : percentOf(deliveredHours, budgetHours),
  };
}
