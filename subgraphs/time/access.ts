import { hasRole, type Identity, type Role } from '../../lib/auth/identity.ts';
import { forbidden } from '../../lib/errors.ts';

/**
 * Who sees whose time (DESIGN §5), decided once per request:
 * - RESOURCE_MANAGER, FINANCE and ADMIN (and services acting as them) see everyone's entries, expenses and timesheets;
 * - a MANAGER sees their own and their direct reports' (hcm);
 * - a delegate also sees the reports of each manager whose approvals they take today;
 * - anyone else sees only their own.
 */
const seesEveryone: readonly Role[] = ['RESOURCE_MANAGER', 'FINANCE', 'ADMIN'];

/** Aggregates over every worker (a project's actual hours) name no one's entries: managers read them too. */
const readsAggregates: readonly Role[] = ['MANAGER', ...seesEveryone];

export type Visibility = { readonly everyone: true } | { readonly everyone: false; readonly workerIds: ReadonlySet<string> };

export interface ReportingLines {
  /** Managers whose approvals `workerId` takes on `day`. */
  delegators(workerId: string, day: string): Promise<string[]>;
  /** Each manager's direct reports. */
  directReports(managerIds: readonly string[]): Promise<Map<string, string[]>>;
}

export async function visibilityOf(identity: Identity, today: string, lines: ReportingLines): Promise<Visibility> {
  if (hasRole(identity, ...seesEveryone)) return { everyone: true };
  const self = identity.workerId;
  if (!self) throw forbidden('time data is visible to its worker, their managers, finance and admins');
  const managers = [...(hasRole(identity, 'MANAGER') ? [self] : []), ...(await lines.delegators(self, today))];
  const workerIds = new Set([self]);
  if (managers.length > 0) for (const reports of (await lines.directReports(managers)).values()) for (const id of reports) workerIds.add(id);
  return { everyone: false, workerIds };
}

const describe = (visibility: Visibility) => (visibility.everyone ? 'everyone' : [...visibility.workerIds].join(', '));

/** FORBIDDEN unless the caller may see this worker's time. */
export function assertMaySee(visibility: Visibility, workerId: string): void {
  if (!visibility.everyone && !visibility.workerIds.has(workerId)) {
    throw forbidden(`you may not see the time of worker ${workerId} (you see: ${describe(visibility)})`);
  }
}

/**
 * A list filter as the caller may run it: unchanged for those who see everyone; otherwise narrowed to the workers the
 * caller sees, and FORBIDDEN when it names another worker (an empty list would hide the mistake).
 */
export function pinToVisible<F extends { workerId?: string | null; workerIds?: readonly string[] | null }>(visibility: Visibility, filter: F | null | undefined): F {
  const given = (filter ?? {}) as F;
  if (visibility.everyone) return given;
  if (given.workerId) {
    assertMaySee(visibility, given.workerId);
    return given;
  }
  return { ...given, workerIds: [...visibility.workerIds] };
}

/**
 * The workers a KPI question may cover: null (everyone) for those who see everyone and name no one; the named
 * workers when the caller sees each of them (FORBIDDEN otherwise); else every worker the caller sees.
 */
export function visibleWorkerIds(visibility: Visibility, named: readonly string[] | null | undefined): string[] | null {
  if (named) {
    for (const workerId of named) assertMaySee(visibility, workerId);
    return [...new Set(named)];
  }
  return visibility.everyone ? null : [...visibility.workerIds];
}

/** A figure about one worker's work (an assignment's forecast): theirs, or for the roles that read aggregates. */
export function assertReadsAggregatesOrOwn(identity: Identity, workerId: string, what: string): void {
  if (identity.workerId === workerId) return;
  assertReadsAggregates(identity, what);
}

export function assertReadsAggregates(identity: Identity, what: string): void {
  if (!hasRole(identity, ...readsAggregates)) throw forbidden(`${what} requires one of the roles ${readsAggregates.join(', ')}`);
}

/** A plain WORKER logs and changes only their own time; MANAGER and ADMIN may act for anyone. */
export function assertMayCapture(identity: Identity, workerId: string): void {
  if (hasRole(identity, 'MANAGER', 'ADMIN')) return;
  if (identity.workerId !== workerId) throw forbidden(`you may only log and change your own time (worker ${identity.workerId ?? 'none'})`);
}
