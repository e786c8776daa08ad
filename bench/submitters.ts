import type { Role } from '../lib/auth/identity.ts';
import type { DemoAssignment, DemoFirm } from '../lib/seed/demo-firm.ts';

export interface Submitter {
  readonly assignment: DemoAssignment;
  /** An open billable task of the assignment's project. */
  readonly taskId: string;
  readonly worker: { workerId: string; roles: Role[] };
  /** Their manager, or an ADMIN for a worker nobody manages. */
  readonly approver: { workerId: string | null; roles: Role[] };
}

/** Up to `count` active workers of the demo firm with a CONFIRMED assignment on an ACTIVE project today, one each. */
export function submittersToday(firm: DemoFirm, today: string, count: number): Submitter[] {
  const active = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const workers = new Map(firm.workers.map((w) => [w.id, w]));
  return firm.assignments
    .filter((a) => a.status === 'CONFIRMED' && active.has(a.projectId) && a.startDate <= today && a.endDate >= today)
    .filter((a, index, all) => all.findIndex((b) => b.workerId === a.workerId) === index)
    .filter((a) => workers.get(a.workerId)?.status === 'ACTIVE')
    .slice(0, count)
    .map((assignment) => {
      const managerId = workers.get(assignment.workerId)!.managerId;
      return {
        assignment,
        taskId: firm.tasks.find((t) => t.projectId === assignment.projectId && t.billable && t.status === 'OPEN')!.id,
        worker: { workerId: assignment.workerId, roles: ['WORKER'] },
        approver: managerId ? { workerId: managerId, roles: ['WORKER', 'MANAGER'] } : { workerId: null, roles: ['ADMIN'] },
      };
    });
}
