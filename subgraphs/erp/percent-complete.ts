import type { Kysely } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { badInput, DomainError } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { checkDate } from '../../lib/validate.ts';
import { writeBillingEvent } from './billing-models.ts';
import { sumDecimals } from './domain/money.ts';
import { percentCompleteBill } from './domain/percent-complete.ts';
import { erpTopics, type BillingBlocked } from './events.ts';
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

  return {
    /**
     * Bills each PERCENT_COMPLETE setup in scope as of `asOf`: psa's projects and budgets are read through the
     * gateway first (outside the transaction); then, under each setup's lock (the cap's), hours to date and what was
     * billed are summed in SQL and the due amount, when positive, becomes one PERCENT_COMPLETE billing event
     * (writeBillingEvent: the cap holds it when it would pass). A named contract that is not PERCENT_COMPLETE or lacks
     * a fee or budget: BAD_USER_INPUT; in a run over all, such a contract is skipped with `erp.billing.blocked`
     * (NO_BUDGET), subject its BillingSetup.
     */
    async runPercentCompleteBilling(scope: RequestScope, asOf: string, contractId: string | null, idempotencyKey?: string | null): Promise<string[]> {
      requireRole(scope.identity, 'FINANCE');
      checkDate('asOf', asOf);
      if (!deps.facts) throw new DomainError('INTERNAL_SERVER_ERROR', 'percent-complete billing is not configured: erp was built without a graph to read psa from');
      const candidates = await repo.percentCompleteSetups(db, contractId).execute();
      if (contractId && candidates.length === 0) throw badInput('contractId', `contract ${contractId} is not a FIXED_FEE contract billed by PERCENT_COMPLETE`);
      const budgets = await deps.facts.budgetsOf(candidates.map((setup) => setup.contract_id), { correlationId: scope.correlationId });
      const projectsOf = new Map<string, ProjectBudget[]>();
      for (const budget of budgets) projectsOf.set(budget.contractId, [...(projectsOf.get(budget.contractId) ?? []), budget]);

      return write('runPercentCompleteBilling', idempotencyKey, { asOf, contractId }, async (trx) => {
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
          const hoursToDate = await repo.approvedHoursOfProjects(trx, projects.map((project) => project.projectId), asOf);
          const { billed, runs } = await repo.percentCompleteBilled(trx, setup.contract_id);
          const bill = percentCompleteBill({ fee: String(setup.contract_amount), currency: setup.currency, hoursToDate, budgetHours: budgetHours!, billed });
          if (Number(bill.due) === 0) continue;
          const written = await writeBillingEvent(trx, clock, {
            sourceType: 'PERCENT_COMPLETE', sourceId: `${setup.id}:${runs + 1}`, contractId: setup.contract_id, projectId: projects.length === 1 ? projects[0].projectId : null,
            customerId: setup.customer_id, legalEntityId: setup.legal_entity_id, workerId: null, roleId: null, taskId: null, date: asOf,
            description: `${bill.percentComplete} % complete to ${asOf} (${sumDecimals([hoursToDate], 2)} h of ${budgetHours} h): ${bill.earned} of ${String(setup.contract_amount)} earned, ${sumDecimals([billed], 2)} billed before`,
            hours: null, rate: null, amount: bill.due, currency: setup.currency, heldReason: null,
          }, scope);
          created.push(written.id);
          events.push(...written.events);
        }
        await appendToOutbox(trx, events);
        return created;
      });
    },
  };
}

export type PercentCompleteService = ReturnType<typeof createPercentCompleteService>;
