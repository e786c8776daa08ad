import type { Kysely } from 'kysely';
import { toJson } from '../../lib/db/types.ts';
import { chunked } from '../../lib/seed/chunked.ts';
import { seededBillingSetupId } from '../../lib/seed/ids.ts';
import type { DemoFirm, DemoTask } from '../../lib/seed/demo-firm.ts';
import { parentWbsOf, wbsSortKey } from './domain/wbs.ts';
import type { PsaDatabase } from './tables.ts';

const depth = (task: DemoTask) => task.wbs.split('.').length;

/**
 * Writes psa's slice of the demo firm: billing readiness of every contract (all seeded contracts are billing-ready),
 * projects, tasks (parents first, each linked to the task numbered one level up), assignments, milestones and staffing
 * requests. No outbox events: the other subgraphs seed their own slices from the same plan.
 */
export async function seedPsa(db: Kysely<PsaDatabase>, firm: DemoFirm): Promise<void> {
  for (const batch of chunked(firm.contracts)) {
    await db
      .insertInto('billing_setup')
      .values(batch.map((contract) => ({ contract_id: contract.id, billing_setup_id: seededBillingSetupId(contract.id) })))
      .execute();
  }
  const contracts = new Map(firm.contracts.map((contract) => [contract.id, contract]));
  for (const batch of chunked(firm.projects)) {
    await db
      .insertInto('project')
      .values(
        batch.map((project) => ({
          id: project.id,
          code: project.code,
          name: project.name,
          customer_id: project.customerId,
          contract_id: project.contractId,
          opportunity_id: contracts.get(project.contractId)?.opportunityId ?? null,
          billing_method: project.billingMethod,
          legal_entity_id: project.legalEntityId,
          currency: project.currency,
          status: project.status,
          start_date: project.startDate,
          end_date: project.endDate,
          budget_hours: project.budgetHours,
          budget_amount: project.budgetAmount,
          manager_id: project.managerId,
          billing_ready: contracts.has(project.contractId),
          activate_when_ready: false,
        })),
      )
      .execute();
  }

  // Parents before children: the parent_id foreign key is checked per statement.
  const tasks = [...firm.tasks].sort((a, b) => depth(a) - depth(b));
  const taskIdByWbs = new Map(tasks.map((task) => [`${task.projectId} ${task.wbs}`, task.id]));
  for (const batch of chunked(tasks)) {
    await db
      .insertInto('task')
      .values(
        batch.map((task) => {
          const parentWbs = parentWbsOf(task.wbs);
          return {
            id: task.id,
            project_id: task.projectId,
            wbs: task.wbs,
            wbs_key: wbsSortKey(task.wbs),
            name: task.name,
            parent_id: parentWbs ? (taskIdByWbs.get(`${task.projectId} ${parentWbs}`) ?? null) : null,
            billable: task.billable,
            status: task.status,
            planned_hours: null,
          };
        }),
      )
      .execute();
  }

  for (const batch of chunked(firm.assignments)) {
    await db
      .insertInto('assignment')
      .values(
        batch.map((assignment) => ({
          id: assignment.id,
          project_id: assignment.projectId,
          worker_id: assignment.workerId,
          role_id: assignment.roleId,
          start_date: assignment.startDate,
          end_date: assignment.endDate,
          planned_hours: assignment.plannedHours,
          status: assignment.status,
          bill_rate_override: assignment.billRateOverride,
        })),
      )
      .execute();
  }

  for (const batch of chunked(firm.milestones)) {
    await db
      .insertInto('milestone')
      .values(
        batch.map((milestone) => ({
          id: milestone.id,
          project_id: milestone.projectId,
          name: milestone.name,
          amount: milestone.amount,
          currency: milestone.currency,
          due_date: milestone.dueDate,
          status: milestone.status,
          // The plan records no completion instant; the due date at noon UTC stands in for it.
          completed_at: milestone.status === 'COMPLETED' ? new Date(`${milestone.dueDate}T12:00:00Z`) : null,
        })),
      )
      .execute();
  }

  // A FILLED request points at the first confirmed assignment of its role on its project (the plan fills a role's
  // demand with all of them; the earliest is the one that filled it).
  const filledBy = new Map<string, string>();
  for (const assignment of [...firm.assignments].sort((a, b) => a.startDate.localeCompare(b.startDate))) {
    const key = `${assignment.projectId} ${assignment.roleId}`;
    if (assignment.status === 'CONFIRMED' && !filledBy.has(key)) filledBy.set(key, assignment.id);
  }
  for (const batch of chunked(firm.staffingRequests)) {
    await db
      .insertInto('staffing_request')
      .values(
        batch.map((request) => ({
          id: request.id,
          role_id: request.roleId,
          skills: toJson(request.skills),
          hours: request.hours,
          start_date: request.startDate,
          end_date: request.endDate,
          opportunity_id: request.opportunityId,
          project_id: request.projectId,
          demand: request.projectId ? ('CONFIRMED' as const) : ('TENTATIVE' as const),
          status: request.status,
          assignment_id: request.status === 'FILLED' ? (filledBy.get(`${request.projectId} ${request.roleId}`) ?? null) : null,
        })),
      )
      .execute();
  }
}
