import { negate, percentOf, sumByCurrency, sumDecimals, type Money } from './money.ts';

/**
 * One aggregate of a project's money, per currency, as the repository sums it in SQL:
 * COST cost postings (reversals included, so they net out); BILLED invoice lines on issued invoices; CREDITED credit
 * note lines on issued credit notes; UNBILLED billing events not yet invoiced (UNBILLED and HELD); BILLED_HOURS hours
 * of billing events that are on an invoice (status BILLED).
 */
export interface FinancialFact {
  kind: 'COST' | 'BILLED' | 'CREDITED' | 'UNBILLED' | 'BILLED_HOURS';
  currency: string;
  amount: string;
  hours: string;
}

export interface ProjectFinancials {
  costToDate: Money[];
  billed: Money[];
  unbilledAmount: Money[];
  unbilledHours: string;
  margin: Money[];
  budgetBurnPercent: string | null;
}

/**
 * A project's financials, per currency (never adding unlike currencies):
 * - billed = issued invoice lines − issued credit note lines;
 * - margin = billed + unbilled − cost to date, per currency (cost is in the employing legal entity's currency, so a
 *   project billed in USD by EUR staff shows a USD gain and a EUR cost: converting them is a reporting choice);
 * - budget burn = hours delivered for billing (billed + unbilled) ÷ budget hours, in percent; null without a budget.
 */
export function projectFinancials(facts: readonly FinancialFact[], budgetHours: string | null | undefined): ProjectFinancials {
  const of = (kind: FinancialFact['kind']) => facts.filter((fact) => fact.kind === kind);
  const asMoney = (fact: FinancialFact) => ({ amount: fact.amount, currency: fact.currency });
  const cost = of('COST').map(asMoney);
  const billed = [...of('BILLED').map(asMoney), ...of('CREDITED').map((fact) => ({ ...asMoney(fact), amount: negate(fact.amount) }))];
  const unbilled = of('UNBILLED').map(asMoney);
  const unbilledHours = sumDecimals(of('UNBILLED').map((fact) => fact.hours), 2);
  const billedHours = sumDecimals(of('BILLED_HOURS').map((fact) => fact.hours), 2);
  const deliveredHours = sumDecimals([unbilledHours, billedHours], 2);
  return {
    costToDate: sumByCurrency(cost),
    billed: sumByCurrency(billed),
    unbilledAmount: sumByCurrency(unbilled),
    unbilledHours,
    margin: sumByCurrency([...billed, ...unbilled, ...cost.map((money) => ({ ...money, amount: negate(money.amount) }))]),
    budgetBurnPercent: budgetHours == null ? null : percentOf(deliveredHours, budgetHours),
  };
}
