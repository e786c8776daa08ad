import type { Transaction } from 'kysely';
import type { Identity } from '../../lib/auth/identity.ts';
import type { ClosedPeriod } from './domain/entry-rules.ts';
import { bindingLocks, lockedSpans, periodRightsOf, type PeriodRights } from './domain/period-lock.ts';
import * as repo from './repository.ts';
import type { TimeDatabase } from './tables.ts';
import type { WorkContext } from './work-context.ts';

/** The legal entity whose periods govern an entry: its project's, else its worker's. */
export const legalEntityOf = (context: WorkContext, entry: { projectId: string; workerId: string }) =>
  context.projects.get(entry.projectId)?.legalEntityId ?? context.workers.get(entry.workerId)?.legalEntityId ?? null;

/**
 * The closed days (domain/period-lock.ts `lockedSpans`: closed periods, and the earlier days they locked with them)
 * from the earliest of these dates on that bind this caller today (grace and override rights applied), for the legal
 * entities in the context (`caller.rights` instead of the identity's: an import is held to every lock, ADMIN's too,
 * unless told otherwise). Takes a shared lock per legal entity, so closing a period waits for this transaction and
 * this one never reads a period half-closed.
 */
export async function closedPeriodsFor(
  trx: Transaction<TimeDatabase>,
  context: WorkContext,
  dates: readonly string[],
  caller: { identity: Identity; today: string; rights?: PeriodRights },
): Promise<ClosedPeriod[]> {
  const legalEntities = new Set<string>();
  for (const project of context.projects.values()) if (project?.legalEntityId) legalEntities.add(project.legalEntityId);
  for (const worker of context.workers.values()) if (worker?.legalEntityId) legalEntities.add(worker.legalEntityId);
  if (legalEntities.size === 0 || dates.length === 0) return [];
  await repo.shareLegalEntityPeriods(trx, [...legalEntities]);
  const earliest = [...dates].sort()[0];
  const byEntity = new Map<string, repo.PeriodLockState[]>();
  for (const row of await repo.periodLocksEndingFrom(trx, [...legalEntities], earliest)) {
    byEntity.set(row.legal_entity_id, [...(byEntity.get(row.legal_entity_id) ?? []), row]);
  }
  const closed: ClosedPeriod[] = [...byEntity].flatMap(([legalEntityId, rows]) =>
    lockedSpans(rows.map((r) => ({ id: r.id, periodStart: r.period_start, periodEnd: r.period_end, status: r.status, graceUntil: r.grace_until }))).map((span) => ({
      legalEntityId,
      periodStart: span.from,
      periodEnd: span.to,
      graceUntil: span.lock.graceUntil,
      lockedWith: span.earlier ? { periodStart: span.lock.periodStart, periodEnd: span.lock.periodEnd } : null,
    })),
  );
  return bindingLocks(closed, caller.rights ?? periodRightsOf(caller.identity), caller.today);
}
