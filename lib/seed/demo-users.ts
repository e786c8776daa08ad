import type { Role } from '../auth/identity.ts';
import type { DemoWorker } from './demo-firm.ts';
import { planDemoFirm } from './plan.ts';

/**
 * The demo worker who holds a role, for tokens. Worker ids and roles in the plan do not depend on the seed date, so
 * any date finds the same people the first start seeded. The WORKER and MANAGER tokens are a pair: the manager is the
 * worker's own, so what the one submits is in the other's approval queue (the README's approval walk-through).
 */
export function demoWorkerFor(role: Role, scale = 1): DemoWorker | undefined {
  const firm = planDemoFirm({ scale, today: '2026-01-01' });
  const holders = firm.workers.filter((worker) => worker.accessRoles.includes(role) && worker.status === 'ACTIVE');
  // A plain WORKER token is most useful for someone who is only a worker.
  if (role === 'WORKER') return holders.find((holder) => holder.accessRoles.length === 1) ?? holders[0];
  if (role === 'MANAGER') {
    const worker = demoWorkerFor('WORKER', scale);
    return holders.find((holder) => holder.id === worker?.managerId) ?? holders[0];
  }
  return holders[0];
}
