import type { Migration } from 'kysely';
import * as initial from './2026-11-25T2100-initial.ts';
import * as approvalRights from './2026-11-26T0030-approval-rights.ts';
import * as expenseCapture from './2026-11-26T0100-expense-capture.ts';
import * as expenseCorrections from './2026-11-26T0200-expense-corrections.ts';
import * as assignmentHoursIndex from './2026-12-02T0746-assignment-hours-index.ts';
import * as eventDurability from './2026-12-07T0300-event-durability.ts';
import * as idempotencyScope from './2026-12-07T0630-idempotency-scope.ts';
import * as timeImportAndChanges from './2026-12-07T1230-time-import-and-changes.ts';
import * as eventTraceContext from './2026-12-07T1500-event-trace-context.ts';
import * as auditLog from './2026-12-07T1800-audit-log.ts';

/** Forward-only, applied in name order at start-up. Never edit a migration that has shipped: add a new one. */
export const timeMigrations: Record<string, Migration> = {
  '2026-11-25T2100-initial': initial,
  '2026-11-26T0030-approval-rights': approvalRights,
  '2026-11-26T0100-expense-capture': expenseCapture,
  '2026-11-26T0200-expense-corrections': expenseCorrections,
  '2026-12-02T0746-assignment-hours-index': assignmentHoursIndex,
  '2026-12-07T0300-event-durability': eventDurability,
  '2026-12-07T0630-idempotency-scope': idempotencyScope,
  '2026-12-07T1230-time-import-and-changes': timeImportAndChanges,
  '2026-12-07T1500-event-trace-context': eventTraceContext,
  '2026-12-07T1800-audit-log': auditLog,
};
