import type { Kysely, Transaction } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { compareDecimals } from '../../lib/decimal.ts';
import { badInput, DomainError, notFound } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { checkDate } from '../../lib/validate.ts';
import { writeBillingEvent } from './billing-models.ts';
import { sumDecimals } from './domain/money.ts';
import { percentCompleteBill } from './domain/percent-complete.ts';
import { erpTopics, type BillingBlocked, type BillingEventReversed } from './events.ts';
import type { ProjectBudget, ProjectBudgetFactsSource } from './project-budget-facts.ts';
import * as repo from './repository.ts';
import type { BillingSetupRow, ErpDatabase } from './tables.ts';

export interface PercentCompleteDeps {
  db: Kysely<ErpDatabase>;
  clock: Clock;
  /** psa's projects and budget hours through the gateway; without it, the run is not configured. */
  facts?: ProjectBudgetFactsSource;
  onCommit: () => void;
}

/** Why a contract cannot be billed by percent complete, or null when it can. */
function missingFact(setup: BillingSetupRow, budgetHours: string | null): string | null {
  if (setup.contract_amount === null || Number(setup.contract_amount) <= 0) return `contract ${setup.contract_id} has no fee (amount) to bill by percent complete`;
  if (budgetHours === null) return `contract ${setup.contract_id}'s projects have no budget hours to measure percent complete against`;
  return null;
}

/** Percent-complete billing of FIXED_FEE contracts (DESIGN §2; the rule in `domain/percent-complete.ts`). */
export function createPercentCompleteService(deps: PercentCompleteDeps) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);

  /**
   * Runs held for uncosted hours (NO_COST_RATE) are superseded by the first run that finds every hour counted costed:
   * they are REVERSED (`erp.billing_event.reversed`, cause COSTS_POSTED), so that run's due — earned less what the
   * live runs billed — includes their amount and bills it as a new event, facing the fee and the cap like any other.
   */
  async function supersedeHeldForCost(trx: Transaction<ErpDatabase>, contractId: string, cause: EventCause): Promise<DomainEvent<unknown>[]> {
    const held = await repo.lockPercentCompleteHeldForCost(trx, contractId);
    if (held.length === 0) return [];
    const now = clock.now();
    await trx.updateTable('billing_event').set({ status: 'REVERSED', held_reason: null, reversed_at: now, updated_at: now }).where('id', 'in', held.map((event) => event.id)).execute();
    return held.map((event) =>
      createEvent<BillingEventReversed>('erp', erpTopics.billingEventReversed, { typename: 'BillingEvent', id: event.id }, {
        billingEventId: event.id, sourceType: 'PERCENT_COMPLETE', sourceId: event.source_id, contractId, projectId: event.project_id,
        amount: { amount: String(event.amount), currency: event.currency }, cause: 'COSTS_POSTED', removedFromInvoiceId: null,
      }, cause, now),
    );
  }

  return {
    /**
     * Bills each PERCENT_COMPLETE setup in scope as of `asOf`: psa's projects and budgets are read through the
     * gateway first (outside the transaction); then, under each setup's lock (the cap's), hours to date and what was
     * billed are summed in SQL and the due amount, when positive, becomes one PERCENT_COMPLETE billing event
     * (writeBillingEvent: the fee and the cap hold it when it would pass). Hours to date are the approved hours erp
     * received: costed (live cost postings) and uncosted (`uncosted_time`: no cost rate) alike, so a missing cost
     * rate never stops progress; but while any counted hour has no cost the run's event is HELD (NO_COST_RATE, with
     * `erp.billing.blocked`), and the first run that finds them all costed supersedes the held runs
     * (supersedeHeldForCost). A named contract that is not PERCENT_COMPLETE or lacks
     * a fee or budget: BAD_USER_INPUT; in a run over all, such a contract is skipped with `erp.billing.blocked`
     * (NO_BUDGET), subject its BillingSetup.
     */
    async runPercentCompleteBilling(scope: RequestScope, asOf: string, contractId: string | null, idempotencyKey?: string | null): Promise<string[]> {
      requireRole(scope.identity, 'FINANCE');
      checkDate('asOf', asOf);
      if (!deps.facts) throw new DomainError('INTERNAL_SERVER_ERROR', 'percent-complete billing is not configured: erp was built without a graph to read psa from');
      const candidates = await repo.percentCompleteSetups(db, contractId).execute();
      if (contractId && candidates.length === 0 && !(await repo.contractKnown(db, contractId))) throw notFound('Contract', contractId);
      if (contractId && candidates.length === 0) throw badInput('contractId', `contract ${contractId} is not a FIXED_FEE contract billed by PERCENT_COMPLETE`);
      const budgets = await deps.facts.budgetsOf(candidates.map((setup) => setup.contract_id), { correlationId: scope.correlationId });
      const projectsOf = new Map<string, ProjectBudget[]>();
      for (const budget of budgets) projectsOf.set(budget.contractId, [...(projectsOf.get(budget.contractId) ?? []), budget]);

      return write(scope, 'runPercentCompleteBilling', idempotencyKey, { asOf, contractId }, async (trx) => {
        const setups = await repo.percentCompleteSetups(trx, contractId).forUpdate().execute();
        const created: string[] = [];
        const events: DomainEvent<unknown>[] = [];
        for (const setup of setups) {
          const projects = projectsOf.get(setup.contract_id) ?? [];
          const withBudget = projects.filter((project) => project.budgetHours !== null && Number(project.budgetHours) > 0);
          const budgetHours = withBudget.length === 0 ? null : sumDecimals(withBudget.map((project) => project.budgetHours!), 2);
          const missing = missingFact(setup, budgetHours);
          if (missing) {
            if (contractId) throw badInput('contractId', missing);
            events.push(
              createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, { typename: 'BillingSetup', id: setup.id }, { contractId: setup.contract_id, code: 'NO_BUDGET', reason: missing, source: null }, scope, clock.now()),
            );
            continue;
          }
          const projectIds = projects.map((project) => project.projectId);
          const approved = await repo.approvedHoursOfProjects(trx, projectIds, asOf);
          const uncosted = sumDecimals([approved.uncosted], 2);
          const hoursToDate = sumDecimals([approved.costed, approved.uncosted], 2);
          const withoutCost = compareDecimals(uncosted, '0') > 0;
          if (!withoutCost) events.push(...(await supersedeHeldForCost(trx, setup.contract_id, scope)));
          const { billed, runs } = await repo.percentCompleteBilled(trx, setup.contract_id);
          const bill = percentCompleteBill({ fee: String(setup.contract_amount), currency: setup.currency, hoursToDate, budgetHours: budgetHours!, billed });
          if (Number(bill.due) === 0) continue;
          const heldReason = withoutCost ? ('NO_COST_RATE' as const) : null;
          const written = await writeBillingEvent(trx, clock, {
            sourceType: 'PERCENT_COMPLETE', sourceId: `${setup.id}:${runs + 1}`, contractId: setup.contract_id, projectId: projects.length === 1 ? projects[0].projectId : null,
            customerId: setup.customer_id, legalEntityId: setup.legal_entity_id, workerId: null, roleId: null, taskId: null, date: asOf,
            description: `${bill.percentComplete} % complete to ${asOf} (${hoursToDate} h of ${budgetHours} h${heldReason ? `, ${uncosted} h without cost` : ''}): ${bill.earned} of ${String(setup.contract_amount)} earned, ${sumDecimals([billed], 2)} billed before`,
            hours: null, rate: null, amount: bill.due, currency: setup.currency, heldReason,
          }, scope);
          created.push(written.id);
          events.push(...written.events);
          if (heldReason) {
            events.push(
              createEvent<BillingBlocked>('erp', erpTopics.billingBlocked, { typename: 'BillingEvent', id: written.id }, {
                contractId: setup.contract_id,
                code: 'NO_COST_RATE',
                reason: `${uncosted} h approved on contract ${setup.contract_id}'s projects up to ${asOf} have no cost (their workers have no cost rate on their dates): the run's ${bill.due} ${setup.currency} is held until their cost is posted (reconciliation lists them as MISSING_COST_RATE)`,
                source: { type: 'PERCENT_COMPLETE', id: `${setup.id}:${runs + 1}`, projectId: projects.length === 1 ? projects[0].projectId : null },
              }, scope, clock.now()),
            );
          }
        }
        await appendToOutbox(trx, events);
        return created;
      });
    },
  };
}

export type PercentCompleteService = ReturnType<typeof createPercentCompleteService>;
