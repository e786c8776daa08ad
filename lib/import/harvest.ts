import { columnReader, parseCurrency, parseDate, parseFlag, parseHours, type CsvRow } from './csv-rows.ts';
import type { CustomerRecord, ProjectRecord, RoleRecord, TaskRecord, TimeRecord, WorkerRecord } from './records.ts';
import { RowIdentity } from './row-identity.ts';

/** The external system every Harvest record is keyed under. */
export const HARVEST = 'harvest';

/**
 * Harvest's "Detailed time report" CSV export (Reports → Detailed time → Export → CSV), one row per time entry:
 * Date, Client, Project, Project Code, Task, Notes, Hours, Hours Rounded, Billable?, Invoiced?, Approved?, First Name,
 * Last Name, [Employee Id], Roles, [Teams], Employee?, Billable Rate, Billable Amount, Cost Rate, Cost Amount,
 * Currency, External Reference URL. Columns in brackets appear in some accounts' exports; the rest are read by name,
 * in any order. Rates and amounts are not imported: psgraph prices time from its own rate cards.
 */
export const harvestColumns = {
  date: ['Date'],
  client: ['Client'],
  project: ['Project'],
  projectCode: ['Project Code'],
  task: ['Task'],
  notes: ['Notes'],
  hours: ['Hours'],
  billable: ['Billable?'],
  invoiced: ['Invoiced?'],
  firstName: ['First Name'],
  lastName: ['Last Name'],
  employeeId: ['Employee Id', 'Employee ID'],
  roles: ['Roles'],
  employee: ['Employee?'],
  currency: ['Currency'],
} as const;

/**
 * A row mapper for one file. Harvest's export has no entry id, so each row's id is derived (row-identity.ts) from the
 * columns that identify the work (date, client, project, task, person, hours, notes): the flags (billable, invoiced,
 * approved) are left out, since Harvest changes them after the fact and a later export must still find the entry.
 */
export function harvestRows() {
  const identity = new RowIdentity();
  return (row: CsvRow): TimeRecord => {
    const read = columnReader(row.cells);
    const date = parseDate('Date', read.required(harvestColumns.date));
    const clientName = read.required(harvestColumns.client);
    const projectName = read.required(harvestColumns.project);
    const taskName = read.required(harvestColumns.task);
    const firstName = read.optional(harvestColumns.firstName) ?? '';
    const lastName = read.optional(harvestColumns.lastName) ?? '';
    const personName = `${firstName} ${lastName}`.trim();
    if (!personName) read.required(harvestColumns.firstName);
    const hours = parseHours('Hours', read.required(harvestColumns.hours));
    const notes = read.optional(harvestColumns.notes);
    const employeeId = read.optional(harvestColumns.employeeId);
    const roleName = read.optional(harvestColumns.roles)?.split(',')[0].trim() || null;

    const customer: CustomerRecord = {
      ref: { system: HARVEST, id: clientName },
      name: clientName,
      code: null,
      currency: parseCurrency('Currency', read.optional(harvestColumns.currency)),
    };
    const project: ProjectRecord = {
      ref: { system: HARVEST, id: `${clientName}/${projectName}` },
      customer,
      name: projectName,
      code: read.optional(harvestColumns.projectCode),
    };
    const billable = parseFlag('Billable?', read.optional(harvestColumns.billable));
    const task: TaskRecord = { ref: { system: HARVEST, id: `${project.ref.id}/${taskName}` }, project, name: taskName, billable };
    const role: RoleRecord | null = roleName ? { ref: { system: HARVEST, id: roleName }, name: roleName, code: null } : null;
    const employee = parseFlag('Employee?', read.optional(harvestColumns.employee));
    const worker: WorkerRecord = {
      ref: { system: HARVEST, id: employeeId ?? personName },
      name: personName,
      email: null,
      employeeNumber: employeeId,
      kind: employee === null ? null : employee ? 'EMPLOYEE' : 'CONTRACTOR',
      role,
    };
    const id = identity.idFor(date, [clientName, projectName, taskName, worker.ref.id, hours, notes]);
    return {
      kind: 'time',
      externalId: { system: HARVEST, id },
      worker,
      task,
      date,
      hours,
      startTime: null,
      endTime: null,
      notes,
      billable,
      invoiced: parseFlag('Invoiced?', read.optional(harvestColumns.invoiced)) ?? false,
    };
  };
}
