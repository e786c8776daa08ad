import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import { weekKey } from '../../subgraphs/time/loaders.ts';
import type { TimeEntryResolvers } from './types.generated.ts';

export const TimeEntry: TimeEntryResolvers = {
  __resolveReference: (ref, ctx) => ctx.timeQueries.timeEntry(ctx, ref.id),
  worker: (entry) => entityRef('Worker', entry.worker_id),
  project: (entry) => entityRef('Project', entry.project_id),
  task: (entry) => optionalEntityRef('Task', entry.task_id),
  role: (entry) => optionalEntityRef('Role', entry.role_id),
  startTime: (entry) => entry.start_time,
  endTime: (entry) => entry.end_time,
  externalId: (entry) =>
    entry.external_system !== null && entry.external_id !== null ? { system: entry.external_system, id: entry.external_id } : null,
  invoicedExternally: (entry) => entry.invoiced_externally,
  timesheet: (entry, _, { loaders }) => loaders.timesheet.load(weekKey(entry.worker_id, entry.week_start)),
  submittedAt: (entry) => entry.submitted_at,
  decidedAt: (entry) => entry.decided_at,
  decidedBy: (entry) => optionalEntityRef('Worker', entry.decided_by),
  rejectionReason: (entry) => entry.rejection_reason,
  correctionOf: (entry, _, ctx) => (entry.correction_of ? ctx.timeQueries.timeEntry(ctx, entry.correction_of) : null),
  reversedAt: (entry) => entry.reversed_at,
  correctedBy: (entry, _, ctx) => ctx.timeQueries.correctionOf(ctx, entry.id),
  approvals: (entry, _, { loaders }) => loaders.approvalsByTimeEntry.load(entry.id),
  createdAt: (entry) => entry.created_at,
  updatedAt: (entry) => entry.updated_at,
};
