/** How time's GraphQL types map to its rows, for the generated resolver types (see scripts/codegen.ts). */
export const codegen = {
  contextType: '../../subgraphs/time/server.ts#TimeContext',
  mappers: {
    TimeEntry: '../../subgraphs/time/tables.ts#TimeEntryRow',
    Timesheet: '../../subgraphs/time/repository.ts#TimesheetRow',
    ExpenseEntry: '../../subgraphs/time/tables.ts#ExpenseEntryRow',
    ApprovalRecord: '../../subgraphs/time/tables.ts#ApprovalRecordRow',
    PeriodLock: '../../subgraphs/time/tables.ts#PeriodLockRow',
    ApprovalDelegation: '../../subgraphs/time/tables.ts#ApprovalDelegationRow',
    PendingTimesheet: '../../subgraphs/time/approval-queue.ts#PendingWeek',
    TimeEntryResult: '../../subgraphs/time/capture.ts#EntryResult',
    ExpenseEntryResult: '../../subgraphs/time/capture.ts#EntryResult',
    Worker: '../../subgraphs/time/tables.ts#EntityKey',
    Project: '../../subgraphs/time/tables.ts#EntityKey',
    PayrollLine: '../../subgraphs/time/payroll.ts#WorkerPayPeriod',
    PayrollDay: '../../subgraphs/time/domain/overtime.ts#DaySplit',
  },
};
