import type { Transaction } from 'kysely';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { isoWeekLabel, weekEndOf, weekStartOf } from './domain/iso-week.ts';
import { timesheetId } from './domain/timesheet-id.ts';
import { timesheetStatus } from './domain/timesheet-status.ts';
import { timeTopics, type TimesheetChanged } from './events.ts';
import * as repo from './repository.ts';
import type { ApprovalAction, TimeDatabase } from './tables.ts';

/**
 * The `time.timesheet.changed` events of a transaction that moved these entries (in their new state) through the
 * approval flow or a correction: one per worker-week, however many of its entries moved, so a subscriber to a week
 * hears of one change once (issue 15: a week of 11 entries approved is one change, not 11).
 *
 * The status is the week's after the change, read here, inside the transaction, under the workers' capture locks
 * (repository.ts `lockWorkersForCapture`, taken after the entry rows as submit and capture take it): two approvals of
 * the same week at once queue, so the second reads the first's entries committed and the last event says the status
 * the week ends with. Costs two statements per call, whatever the number of entries.
 */
export async function timesheetChangedEvents(
  trx: Transaction<TimeDatabase>,
  entries: ReadonlyArray<{ id: string; worker_id: string; date: string }>,
  change: { action: ApprovalAction; actor: string | null; cause: EventCause; now: Date },
): Promise<DomainEvent<TimesheetChanged>[]> {
  if (entries.length === 0) return [];
  const weeks = new Map<string, { workerId: string; weekStart: string; weekEnd: string; ids: string[] }>();
  for (const entry of entries) {
    const weekStart = weekStartOf(entry.date);
    const key = `${entry.worker_id}|${weekStart}`;
    const week = weeks.get(key) ?? { workerId: entry.worker_id, weekStart, weekEnd: weekEndOf(entry.date), ids: [] };
    week.ids.push(entry.id);
    weeks.set(key, week);
  }
  await repo.lockWorkersForCapture(trx, [...new Set(entries.map((entry) => entry.worker_id))]);
  const sheets = new Map((await repo.timesheetsByKeys(trx, [...weeks.values()])).map((row) => [`${row.worker_id}|${row.week_start}`, row]));
  return [...weeks].map(([key, week]) => {
    const sheet = sheets.get(key);
    const status = timesheetStatus({
      DRAFT: sheet?.draft_count ?? 0,
      SUBMITTED: sheet?.submitted_count ?? 0,
      APPROVED: sheet?.approved_count ?? 0,
      REJECTED: sheet?.rejected_count ?? 0,
    });
    const id = timesheetId(week.workerId, week.weekStart);
    const data: TimesheetChanged = {
      timesheetId: id,
      workerId: week.workerId,
      isoWeek: isoWeekLabel(week.weekStart),
      weekStart: week.weekStart,
      status,
      action: change.action,
      timeEntryIds: week.ids,
      changedBy: change.actor,
      changedAt: change.now.toISOString(),
    };
    return createEvent('time', timeTopics.timesheetChanged, { typename: 'Timesheet', id }, data, change.cause, change.now);
  });
}
