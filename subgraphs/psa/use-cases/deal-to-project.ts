import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { EventBus, Subscription } from '../../../lib/events/bus.ts';
import { causedBy, type DomainEvent } from '../../../lib/events/envelope.ts';
import { appendToOutbox, handleOnce } from '../../../lib/events/outbox.ts';
import { toJson } from '../../../lib/db/types.ts';
import type { OpportunityLost, OpportunityWon } from '../../crm/index.ts';
import { dealProjectCode, staffingWindow } from '../domain/deal-to-project.ts';
import { activatesAutomatically } from '../domain/project-readiness.ts';
import { consumedTopics, psaTopics, type BillingSetupReady } from '../events.ts';
import * as repo from '../repository.ts';
import type { ProjectRow, PsaDatabase } from '../tables.ts';
import { createWriter, type PsaServiceDeps, type Writer } from './context.ts';
import { activationFactsOf, moveProject, projectCreatedData } from './project-status.ts';

/** One consumer group for both events, so they reach psa in publish order and either may come first. */
export const dealToProjectGroup = 'psa.deal-to-project';

const autoActivate = async (trx: Transaction<PsaDatabase>, writer: Writer, project: ProjectRow, event: DomainEvent<unknown>) => {
  const ready = activatesAutomatically({
    ...activationFactsOf(project),
    status: project.status,
    activateWhenReady: project.activate_when_ready,
  });
  return ready ? moveProject(trx, writer, project, 'activate', causedBy(event)) : project;
};

/**
 * `crm.opportunity.won` → the project shell (DRAFT, `P-<contract number>`, budget from the contract), one CONFIRMED
 * staffing request per estimated role, and the opportunity's tentative requests confirmed onto the project. If erp's
 * billing setup for the contract already arrived, the project activates at once.
 */
async function onOpportunityWon(trx: Transaction<PsaDatabase>, writer: Writer, event: DomainEvent<OpportunityWon>): Promise<void> {
  const won = event.data;
  // The same deal announced again under another event id: the project exists, nothing to do.
  if (await repo.projectOfOpportunity(trx, won.opportunityId)) return;
  const code = dealProjectCode(won.contractNumber, await repo.projectCodesStartingWith(trx, `P-${won.contractNumber}`));
  const project = await trx
    .insertInto('project')
    .values({
      id: randomUUID(),
      code,
      name: won.name,
      customer_id: won.customerId,
      contract_id: won.contractId,
      opportunity_id: won.opportunityId,
      billing_method: won.billingMethod,
      legal_entity_id: won.legalEntityId,
      currency: won.currency,
      status: 'DRAFT',
      start_date: won.startDate,
      end_date: won.endDate,
      budget_hours: won.soldHours,
      budget_amount: won.amount,
      manager_id: null,
      billing_ready: Boolean(await repo.billingSetupOf(trx, won.contractId)),
      activate_when_ready: true,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const window = staffingWindow(won.startDate, won.endDate);
  if (won.estimatedHours.length > 0) {
    await trx
      .insertInto('staffing_request')
      .values(
        won.estimatedHours.map((estimate) => ({
          id: randomUUID(),
          role_id: estimate.roleId,
          skills: toJson([]),
          hours: estimate.hours,
          start_date: window.startDate,
          end_date: window.endDate,
          opportunity_id: won.opportunityId,
          project_id: project.id,
          demand: 'CONFIRMED' as const,
          status: 'OPEN' as const,
          assignment_id: null,
        })),
      )
      .execute();
  }
  await trx
    .updateTable('staffing_request')
    .set({ project_id: project.id, demand: 'CONFIRMED', updated_at: writer.clock.now() })
    .where('opportunity_id', '=', won.opportunityId)
    .where('project_id', 'is', null)
    .where('status', '=', 'OPEN')
    .execute();
  await appendToOutbox(trx, [writer.event(causedBy(event), psaTopics.projectCreated, 'Project', project.id, projectCreatedData(project))]);
  await autoActivate(trx, writer, project, event);
}

/** `erp.billing_setup.ready` → remembered by contract, its projects marked billing-ready, deal projects activated. */
async function onBillingSetupReady(trx: Transaction<PsaDatabase>, writer: Writer, event: DomainEvent<BillingSetupReady>): Promise<void> {
  const { contractId, billingSetupId } = event.data;
  const now = writer.clock.now();
  await trx
    .insertInto('billing_setup')
    .values({ contract_id: contractId, billing_setup_id: billingSetupId, ready_at: now })
    .onConflict((oc) => oc.column('contract_id').doUpdateSet({ billing_setup_id: billingSetupId, ready_at: now }))
    .execute();
  for (const project of await repo.lockProjectsOfContract(trx, contractId)) {
    if (project.billing_ready) continue;
    await trx.updateTable('project').set({ billing_ready: true, updated_at: now }).where('id', '=', project.id).execute();
    await autoActivate(trx, writer, { ...project, billing_ready: true, updated_at: now }, event);
  }
}

/** A lost deal's demand is gone: its OPEN requests (none of them on a project yet) are CANCELLED. */
async function onOpportunityLost(trx: Transaction<PsaDatabase>, writer: Writer, event: DomainEvent<OpportunityLost>) {
  await trx
    .updateTable('staffing_request')
    .set({ status: 'CANCELLED', updated_at: writer.clock.now() })
    .where('opportunity_id', '=', event.data.opportunityId)
    .where('status', '=', 'OPEN')
    .where('project_id', 'is', null)
    .execute();
}

/** Subscribes the deal-to-project consumers (DESIGN §4.1); each event applies once, whatever the redeliveries. */
export function subscribeDealToProject(bus: EventBus, deps: PsaServiceDeps): Promise<Subscription> {
  const writer = createWriter(deps);
  return bus.subscribe({
    group: dealToProjectGroup,
    types: [consumedTopics.opportunityWon, consumedTopics.opportunityLost, consumedTopics.billingSetupReady],
    handler: async (event) => {
      const applied = await handleOnce(deps.db, dealToProjectGroup, event, (trx) =>
        event.type === consumedTopics.opportunityWon
          ? onOpportunityWon(trx, writer, event as unknown as DomainEvent<OpportunityWon>)
          : event.type === consumedTopics.opportunityLost
            ? onOpportunityLost(trx, writer, event as unknown as DomainEvent<OpportunityLost>)
            : onBillingSetupReady(trx, writer, event as unknown as DomainEvent<BillingSetupReady>),
      );
      if (applied) deps.onCommit();
    },
  });
}
