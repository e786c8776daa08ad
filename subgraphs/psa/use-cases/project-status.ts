import type { Transaction } from 'kysely';
import type { DomainEvent, EventCause } from '../../../lib/events/envelope.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';
import { nextProjectStatus, type ProjectAction } from '../domain/project-lifecycle.ts';
import { assertReadyToActivate, type ActivationFacts } from '../domain/project-readiness.ts';
import { psaTopics, type ProjectActivated, type ProjectCreated, type ProjectStatusChanged } from '../events.ts';
import type { ProjectRow, PsaDatabase } from '../tables.ts';
import type { Writer } from './context.ts';

export const activationFactsOf = (project: ProjectRow): ActivationFacts => ({
  contractId: project.contract_id,
  billingMethod: project.billing_method,
  legalEntityId: project.legal_entity_id,
  billingReady: project.billing_ready,
});

export const projectCreatedData = (project: ProjectRow): ProjectCreated => ({
  projectId: project.id,
  code: project.code,
  name: project.name,
  customerId: project.customer_id,
  contractId: project.contract_id,
  opportunityId: project.opportunity_id,
  billingMethod: project.billing_method,
  legalEntityId: project.legal_entity_id,
  currency: project.currency,
  status: project.status,
  startDate: project.start_date,
  endDate: project.end_date,
  budgetHours: project.budget_hours,
  budgetAmount: project.budget_amount,
});

/**
 * Moves a (locked) project through its lifecycle in the caller's transaction: the transition table decides the
 * target, activation also requires readiness, and the change publishes `psa.project.status_changed` (plus
 * `psa.project.activated` when it leaves DRAFT). Used by the mutations and by the deal-to-project consumer alike.
 */
export async function moveProject(
  trx: Transaction<PsaDatabase>,
  writer: Writer,
  project: ProjectRow,
  action: ProjectAction,
  cause: EventCause,
): Promise<ProjectRow> {
  const to = nextProjectStatus(project.status, action);
  if (action === 'activate') assertReadyToActivate(project.code, activationFactsOf(project));
  const now = writer.clock.now();
  await trx.updateTable('project').set({ status: to, updated_at: now }).where('id', '=', project.id).execute();
  const moved: ProjectRow = { ...project, status: to, updated_at: now };
  const events: DomainEvent<unknown>[] = [
    writer.event<ProjectStatusChanged>(cause, psaTopics.projectStatusChanged, 'Project', project.id, {
      projectId: project.id,
      code: project.code,
      customerId: project.customer_id,
      contractId: project.contract_id,
      from: project.status,
      to,
    }),
  ];
  if (action === 'activate') {
    events.push(
      writer.event<ProjectActivated>(cause, psaTopics.projectActivated, 'Project', project.id, {
        projectId: project.id,
        code: project.code,
        customerId: project.customer_id,
        // Readiness guarantees these three.
        contractId: project.contract_id!,
        legalEntityId: project.legal_entity_id!,
        billingMethod: project.billing_method!,
        currency: project.currency,
        startDate: project.start_date,
        endDate: project.end_date,
      }),
    );
  }
  await appendToOutbox(trx, events);
  return moved;
}
