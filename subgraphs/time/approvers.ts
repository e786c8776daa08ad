import { hasRole, type Identity } from '../../lib/auth/identity.ts';
import { forbidden } from '../../lib/errors.ts';

/**
 * Who decides on a worker's time (approve, reject, cancel an approval): the worker's manager in hcm, a worker that
 * manager delegated their approvals to for today (`delegators` holds the managers who did, for the caller), or an
 * ADMIN. Never the worker themself, whatever their roles.
 */
export function assertMayDecide(
  identity: Identity,
  subject: { label: string; workerId: string; workerName?: string | null; managerId: string | null },
  delegators: ReadonlySet<string>,
): void {
  if (subject.workerId === identity.workerId) throw forbidden(`nobody decides on their own time (${subject.label})`);
  if (hasRole(identity, 'ADMIN')) return;
  const { managerId } = subject;
  if (managerId !== null && (managerId === identity.workerId || delegators.has(managerId))) return;
  const worker = subject.workerName ? `${subject.workerName} (worker ${subject.workerId})` : `worker ${subject.workerId}`;
  throw forbidden(`only the manager of ${worker}, their delegate or an ADMIN may decide on ${subject.label}`);
}
