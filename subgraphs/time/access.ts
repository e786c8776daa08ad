import { hasRole, type Identity, type Role } from '../../lib/auth/identity.ts';
import { forbidden } from '../../lib/errors.ts';

/**
 * Who sees whose time (DESIGN §5). Roles that work across workers see everyone's entries, expenses and timesheets;
 * a caller with none of them sees only their own. Narrowing a MANAGER to their direct reports comes with the
 * approval flow, which needs the reporting line from hcm.
 */
const seesEveryone: readonly Role[] = ['MANAGER', 'RESOURCE_MANAGER', 'FINANCE', 'ADMIN'];

/** The only worker the caller may see, or null when the caller may see every worker. */
export function ownWorkerOnly(identity: Identity): string | null {
  if (hasRole(identity, ...seesEveryone)) return null;
  if (!identity.workerId) throw forbidden('time data is visible to its worker and to managers, finance and admins');
  return identity.workerId;
}

/** FORBIDDEN unless the caller may see this worker's time. */
export function assertMaySee(identity: Identity, workerId: string): void {
  const own = ownWorkerOnly(identity);
  if (own !== null && own !== workerId) throw forbidden(`you may only see your own time (worker ${own})`);
}

/**
 * A list filter as the caller may run it: unchanged for those who see everyone; otherwise pinned to the caller's
 * own worker id, and FORBIDDEN when it names another worker (an empty list would hide the mistake).
 */
export function pinToOwnWorker<F extends { workerId?: string | null }>(identity: Identity, filter: F | null | undefined): F {
  const own = ownWorkerOnly(identity);
  const given = (filter ?? {}) as F;
  if (own === null) return given;
  if (given.workerId && given.workerId !== own) throw forbidden(`you may only see your own time (worker ${own})`);
  return { ...given, workerId: own };
}

/** Aggregates over every worker (a project's actual hours) are for the roles that see everyone. */
export function assertSeesEveryone(identity: Identity, what: string): void {
  if (ownWorkerOnly(identity) !== null) throw forbidden(`${what} requires one of the roles ${seesEveryone.join(', ')}`);
}
