import type { BillingMethod, BillingSourceType, CostSourceType } from '../tables.ts';
import { billsTimeByTheHour, withMarkup } from './billing-models.ts';
import { planRecurringUsage, type PlannedUsage } from './recurring-billing.ts';
import { lineAmount, negate, type Money } from './money.ts';
import type { BillRateRule } from '../../time/events.ts';

/** Who approved a source and when (time's approval event), kept on what it posts and bills. */
export interface ApprovalFacts {
  approvedBy: string | null;
  approvedAt: string;
}

/**
 * What priced a billing event beyond its own columns (hours, rate, amount, FX), kept as written so `explanation` can
 * show it whatever changes later: the rule time used to choose a time entry's bill rate, the source's approval, an
 * expense's cost and the markup applied to it.
 */
export interface BillingBasis {
  rateRule?: BillRateRule | null;
  approval?: ApprovalFacts;
  expense?: { cost: Money; markupPercent: string };
}

/** What priced a cost posting beyond its own columns: the cost rate's period in hcm, and the source's approval. */
export interface CostBasis {
  costRate?: CostRatePeriod | null;
  approval?: ApprovalFacts;
}

/** A cost rate's identity and period in hcm (`Worker.costRateOn`). */
export interface CostRatePeriod {
  id: string;
  effectiveFrom: string;
  effectiveTo: string | null;
}

/**
 * Why erp could not (fully) post or bill a source, as `erp.billing.blocked` states it:
 * SETUP_BLOCKED the contract's billing setup is BLOCKED (deal to project);
 * NO_PROJECT the project is unknown to psa: nothing was posted;
 * NO_LEGAL_ENTITY neither the project nor its contract's setup names a legal entity: no cost posting;
 * NO_COST_RATE the worker has no cost rate on the entry's date: no cost posting;
 * NO_CONTRACT a billable source on a project without a contract: no billing event;
 * NO_BILLING_SETUP erp has no billing setup for the project's contract: the billing event is HELD;
 * NO_RATE time froze no bill rate for a billable entry: the billing event is HELD;
 * CURRENCY_MISMATCH the price is not in the contract's currency (no conversion is made): the billing event is HELD;
 * INVOICED_SOURCE_REVERSED an approval was taken back but its billing event is on an issued invoice: a credit note
 * must follow;
 * CAP_REACHED the billing event would take the contract past its not-to-exceed cap: it is HELD (billing-models.ts);
 * RETAINER_OVERRUN a drawdown went beyond the retainer's balance and its terms hold the overrun for review: its OVERAGE
 * billing event is HELD (recurring-billing.ts);
 * FX_RATE_MISSING the event's currency differs from its legal entity's and no FX rate converts it on the event date
 * (or erp does not know the entity's currency yet): it is HELD until a rate is entered (fx.ts).
 */
export type BillingBlockedCode =
  | 'SETUP_BLOCKED'
  | 'NO_PROJECT'
  | 'NO_LEGAL_ENTITY'
  | 'NO_COST_RATE'
  | 'NO_CONTRACT'
  | 'NO_BILLING_SETUP'
  | 'NO_RATE'
  | 'CURRENCY_MISMATCH'
  | 'INVOICED_SOURCE_REVERSED'
  | 'CAP_REACHED'
  | 'RETAINER_OVERRUN'
  | 'FX_RATE_MISSING'
  /** A PERCENT_COMPLETE fixed-fee contract without a fee or budget hours: percent-complete billing skipped it. */
  | 'NO_BUDGET'
  /** A fixed-fee source (milestone, schedule line, percent complete) would bill past the contract's fee: held. */
  | 'FEE_EXCEEDED'
  /** A retainer's overrun before its month's fee was billed: held until the fee is, then drawn from it. */
  | 'AWAITING_RETAINER_FEE'
  /** An approval published before its source's date (time refuses that now): nothing posted or billed (posting.ts). */
  | 'NOT_YET_WORKED';

/** An approved time entry as erp posts it. `billRate` is the rate time froze at approval (null: none applied). */
export interface ApprovedWork {
  sourceType: 'TIME_ENTRY';
  sourceId: string;
  workerId: string;
  projectId: string;
  taskId: string | null;
  roleId: string | null;
  date: string;
  hours: string;
  billable: boolean;
  billRate: Money | null;
  /** The rule that chose `billRate` (absent from approvals published before time kept it). */
  billRateRule?: BillRateRule | null;
  approval?: ApprovalFacts;
  /** Imported history the previous system invoiced (time's `invoicedExternally`): psgraph must never bill it. */
  invoicedExternally?: boolean;
}

/** An approved expense as erp posts it: its cost is its amount, and it bills at cost plus the setup's markup. */
export interface ApprovedExpense {
  sourceType: 'EXPENSE';
  sourceId: string;
  workerId: string;
  projectId: string;
  date: string;
  amount: Money;
  category: string;
  billable: boolean;
  approval?: ApprovalFacts;
}

export type ApprovedSource = ApprovedWork | ApprovedExpense;

/** What psa says of the source's project (through the gateway). */
export interface ProjectPostingFacts {
  id: string;
  contractId: string | null;
  customerId: string;
  legalEntityId: string | null;
  currency: string | null;
}

/** erp's own billing setup of the project's contract. */
export interface SetupPostingFacts {
  contractId: string;
  customerId: string;
  legalEntityId: string;
  currency: string;
  billingMethod: BillingMethod;
  /** Billable expenses bill at cost × (1 + this / 100). */
  expenseMarkupPercent: string;
}

export interface PostingFacts {
  project: ProjectPostingFacts | null;
  /** The worker's cost rate effective on the entry's date (hcm), with its period when known; unused for expenses. */
  costRate: (Money & { period?: CostRatePeriod }) | null;
  setup: SetupPostingFacts | null;
}

export interface PlannedCost {
  sourceType: CostSourceType;
  sourceId: string;
  workerId: string;
  projectId: string;
  legalEntityId: string;
  date: string;
  hours: string | null;
  costRate: string | null;
  amount: string;
  currency: string;
  /** Billable time on a FIXED_FEE contract: the fee covers it (no billing event). */
  coveredByFee?: boolean;
  basis?: CostBasis;
}

/**
 * Why a billing event is written HELD (besides CREDITED, which only a credit note sets): the one list of them. A
 * missing fact of the source (NO_BILLING_SETUP, NO_RATE, CURRENCY_MISMATCH), a rule of its contract (CAP_REACHED,
 * FEE_EXCEEDED, RETAINER_OVERRUN, AWAITING_RETAINER_FEE), a missing rate (FX_RATE_MISSING), or hours counted without
 * their cost (NO_COST_RATE: a percent-complete run).
 */
export const plannedHeldReasons = [
  'NO_BILLING_SETUP', 'NO_RATE', 'CURRENCY_MISMATCH', 'CAP_REACHED', 'FEE_EXCEEDED', 'RETAINER_OVERRUN', 'AWAITING_RETAINER_FEE',
  'FX_RATE_MISSING', 'NO_COST_RATE',
] as const satisfies readonly BillingBlockedCode[];
export type PlannedHeldReason = (typeof plannedHeldReasons)[number];

export interface PlannedBilling {
  sourceType: BillingSourceType;
  sourceId: string;
  contractId: string;
  /** Null for a contract's schedule line (it belongs to no project). */
  projectId: string | null;
  customerId: string;
  legalEntityId: string;
  /** Null for a milestone or a schedule line. */
  workerId: string | null;
  roleId: string | null;
  taskId: string | null;
  date: string;
  description: string;
  hours: string | null;
  rate: string | null;
  amount: string;
  currency: string;
  /** Set when the event cannot be invoiced as it stands (HELD). */
  heldReason: PlannedHeldReason | null;
  /** Invoiced by the firm's previous system: written INVOICED_EXTERNALLY, never held, drafted or capped. */
  invoicedExternally?: boolean;
  basis?: BillingBasis;
}

export interface Blocked {
  code: BillingBlockedCode;
  reason: string;
}

export interface PostingPlan {
  cost: PlannedCost | null;
  billing: PlannedBilling | null;
  /** Every fact that kept something from being written as it should: one `erp.billing.blocked` each. */
  blocked: Blocked[];
  /** Billable time on a MANAGED_SERVICES or RETAINER contract: recorded as usage instead of a billing event. */
  usage?: PlannedUsage;
}

/** What a source costs: hours × the cost rate (rounded half-up to the rate currency's minor unit), or its amount. */
function costPrice(source: ApprovedSource, costRate: Money | null): { hours: string | null; rate: string | null; money: Money } | null {
  if (source.sourceType === 'EXPENSE') return { hours: null, rate: null, money: source.amount };
  if (!costRate) return null;
  return { hours: source.hours, rate: costRate.amount, money: { amount: lineAmount(source.hours, costRate.amount, costRate.currency), currency: costRate.currency } };
}

/** What a source bills: hours × the frozen bill rate, or an expense at cost × (1 + markup). Null: no rate. */
function billPrice(source: ApprovedSource, setup: SetupPostingFacts | null): { hours: string | null; rate: string | null; money: Money } | null {
  if (source.sourceType === 'EXPENSE') return { hours: null, rate: null, money: withMarkup(source.amount, setup?.expenseMarkupPercent ?? '0') };
  if (!source.billRate) return null;
  const { amount: rate, currency } = source.billRate;
  return { hours: source.hours, rate, money: { amount: lineAmount(source.hours, rate, currency), currency } };
}

/** What priced a source's billing event that its columns do not keep (see BillingBasis). */
function billingBasisOf(source: ApprovedSource, setup: SetupPostingFacts | null): BillingBasis {
  const approval = source.approval ? { approval: source.approval } : {};
  if (source.sourceType === 'EXPENSE') return { ...approval, expense: { cost: source.amount, markupPercent: setup?.expenseMarkupPercent ?? '0' } };
  return { ...approval, rateRule: source.billRate ? (source.billRateRule ?? null) : null };
}

/** What priced a source's cost posting that its columns do not keep (see CostBasis). */
function costBasisOf(source: ApprovedSource, facts: PostingFacts): CostBasis {
  const approval = source.approval ? { approval: source.approval } : {};
  return source.sourceType === 'EXPENSE' ? approval : { ...approval, costRate: facts.costRate?.period ?? null };
}

const describe = (source: ApprovedSource) =>
  source.sourceType === 'TIME_ENTRY' ? `Time ${source.date}: ${source.hours} h` : `Expense ${source.date}: ${source.category.toLowerCase()}`;

/**
 * What an approval posts (DESIGN §4.3), as much as the facts allow; whatever is missing is named in `blocked`, never
 * dropped silently:
 * 1/ the cost posting: the project's legal entity (else the contract setup's); a time entry's hours × the worker's
 *    cost rate on its date, in the cost rate's currency; an expense's amount;
 * 2/ when billable, the billing event on the project's contract: contract, customer, legal entity and currency from
 *    erp's billing setup; a time entry's hours × the bill rate time froze at approval, an expense at cost × (1 + the
 *    setup's markup). It is HELD (but written, so it bills once released) when the setup is missing (customer and
 *    legal entity then from psa's project), when no bill rate was frozen, or when the price is not in the contract's
 *    currency. Time on a FIXED_FEE contract bills nothing (its milestones and schedule bill the fee): cost only, and
 *    nothing is blocked. Expenses on it still bill (a pass-through the fee does not cover). Time on a
 *    MANAGED_SERVICES or RETAINER contract is recorded as `usage` instead (planRecurringUsage: counted against the
 *    month's included hours, or drawn from the retainer's balance); their expenses bill as on T&M.
 */
export function planPosting(source: ApprovedSource, facts: PostingFacts): PostingPlan {
  const blocked: Blocked[] = [];
  const { project, setup } = facts;
  if (!project) {
    return { cost: null, billing: null, blocked: [{ code: 'NO_PROJECT', reason: `project ${source.projectId} is unknown: nothing was posted for ${source.sourceId}` }] };
  }

  let cost: PlannedCost | null = null;
  const costLegalEntity = project.legalEntityId ?? setup?.legalEntityId ?? null;
  const price = costPrice(source, facts.costRate);
  if (!costLegalEntity) {
    blocked.push({ code: 'NO_LEGAL_ENTITY', reason: `project ${project.id} has no legal entity: no cost posted for ${source.sourceId}` });
  } else if (!price) {
    blocked.push({ code: 'NO_COST_RATE', reason: `worker ${source.workerId} has no cost rate on ${source.date}: no cost posted for ${source.sourceId}` });
  } else {
    cost = {
      sourceType: source.sourceType, sourceId: source.sourceId, workerId: source.workerId, projectId: project.id,
      legalEntityId: costLegalEntity, date: source.date, hours: price.hours, costRate: price.rate, amount: price.money.amount,
      currency: price.money.currency, basis: costBasisOf(source, facts),
    };
  }

  if (!source.billable) return { cost, billing: null, blocked };
  const invoicedBefore = source.sourceType === 'TIME_ENTRY' && source.invoicedExternally === true;
  if (!project.contractId) {
    // Time invoiced by the previous system has nothing left to bill: no contract is nothing to report.
    if (!invoicedBefore) blocked.push({ code: 'NO_CONTRACT', reason: `project ${project.id} has no contract: billable ${source.sourceId} cannot be billed` });
    return { cost, billing: null, blocked };
  }
  if (source.sourceType === 'TIME_ENTRY' && setup && !billsTimeByTheHour(setup.billingMethod)) return { cost: cost && { ...cost, coveredByFee: true }, billing: null, blocked };
  if (invoicedBefore) return { cost, billing: invoicedElsewhere(source, { ...project, contractId: project.contractId }, setup), blocked };
  const usage = source.sourceType === 'TIME_ENTRY' && setup ? planRecurringUsage(source, setup, project.id) : null;
  if (usage) return { cost, billing: null, blocked, usage };
  const legalEntityId = setup?.legalEntityId ?? project.legalEntityId;
  const bill = billPrice(source, setup);
  const currency = setup?.currency ?? bill?.money.currency ?? project.currency;
  if (!legalEntityId || !currency) {
    blocked.push({ code: 'NO_BILLING_SETUP', reason: `contract ${project.contractId} has no billing setup and project ${project.id} no legal entity or currency: ${source.sourceId} cannot be billed` });
    return { cost, billing: null, blocked };
  }
  let heldReason: PlannedBilling['heldReason'] = null;
  if (!setup) {
    heldReason = 'NO_BILLING_SETUP';
    blocked.push({ code: heldReason, reason: `contract ${project.contractId} has no billing setup: ${source.sourceId} is held` });
  } else if (!bill) {
    heldReason = 'NO_RATE';
    blocked.push({ code: heldReason, reason: `no bill rate was frozen for billable ${source.sourceId}: it is held` });
  } else if (bill.money.currency !== setup.currency) {
    heldReason = 'CURRENCY_MISMATCH';
    blocked.push({ code: heldReason, reason: `${source.sourceId} is priced in ${bill.money.currency}, contract ${setup.contractId} bills in ${setup.currency}: it is held` });
  }
  const billing: PlannedBilling = {
    sourceType: source.sourceType,
    sourceId: source.sourceId,
    contractId: project.contractId,
    projectId: project.id,
    customerId: setup?.customerId ?? project.customerId,
    legalEntityId,
    workerId: source.workerId,
    roleId: source.sourceType === 'TIME_ENTRY' ? source.roleId : null,
    taskId: source.sourceType === 'TIME_ENTRY' ? source.taskId : null,
    date: source.date,
    description: describe(source),
    hours: source.sourceType === 'TIME_ENTRY' ? source.hours : null,
    rate: bill?.rate ?? null,
    // Without a rate the amount is unknown: zero, held, so nothing is invoiced at a guessed price.
    amount: bill?.money.amount ?? '0.00',
    currency: bill?.money.currency ?? currency,
    heldReason,
    basis: billingBasisOf(source, setup),
  };
  return { cost, billing, blocked };
}

/**
 * Imported time the previous system invoiced: a billing event INVOICED_EXTERNALLY, so finance sees what was billed
 * and the entry reads as billed, at the frozen rate when there is one (else zero). Never usage on a recurring contract
 * (its overage or drawdown would bill the hours again), never held, and nothing to report: there is nothing to bill.
 * Without a legal entity or currency (no setup, nothing on the project) no event is written.
 */
function invoicedElsewhere(source: ApprovedWork, project: ProjectPostingFacts & { contractId: string }, setup: SetupPostingFacts | null): PlannedBilling | null {
  const legalEntityId = setup?.legalEntityId ?? project.legalEntityId;
  const bill = billPrice(source, setup);
  const currency = bill?.money.currency ?? setup?.currency ?? project.currency;
  if (!legalEntityId || !currency) return null;
  return {
    sourceType: 'TIME_ENTRY', sourceId: source.sourceId, contractId: project.contractId, projectId: project.id,
    customerId: setup?.customerId ?? project.customerId, legalEntityId, workerId: source.workerId, roleId: source.roleId,
    taskId: source.taskId, date: source.date, description: `${describe(source)} (invoiced before psgraph)`, hours: source.hours,
    rate: bill?.rate ?? null, amount: bill?.money.amount ?? '0.00', currency, heldReason: null, invoicedExternally: true,
    basis: billingBasisOf(source, setup),
  };
}

/** The reversal of a cost posting: the same source, worker, project, legal entity and date, hours and amount negated. */
export function reversalOf<P extends { hours: string | null; amount: string }>(posting: P): P {
  return { ...posting, hours: posting.hours === null ? null : negate(posting.hours), amount: negate(posting.amount) };
}
