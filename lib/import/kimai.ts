import { columnReader, parseClock, parseCurrency, parseDate, parseFlag, parseHours, type CsvRow } from './csv-rows.ts';
import type { CustomerRecord, ProjectRecord, TaskRecord, TimeRecord, WorkerRecord } from './records.ts';
import { RowIdentity } from './row-identity.ts';

/** The external system every Kimai record is keyed under. */
export const KIMAI = 'kimai';

/**
 * Kimai's timesheet export as CSV (Export → CSV), one row per timesheet record. Kimai names the columns in the user's
 * language and its versions differ: 1.x writes Date, From, To, Duration (hh:mm), Rate, User, Customer, Project,
 * Activity, Description, Exported, Tags, Hourly rate, Fixed rate; 2.x's default template writes Date, Begin, End,
 * Duration (decimal), Currency, Price, Internal price, Hourly price, Fixed price, Name, User, Email, Account number?,
 * Customer, Project, Activity, Description, Billable, Tags, Type, Category, Customer number, Project number, VAT-ID,
 * Order number, and an ID column when the template has one. Each column is read under any of these names (and the
 * German ones for the core columns). An activity becomes a task of its project.
 */
export const kimaiColumns = {
  id: ['ID'],
  date: ['Date', 'Datum'],
  begin: ['From', 'Begin', 'Von', 'Beginn'],
  end: ['To', 'End', 'Bis', 'Ende'],
  duration: ['Duration', 'Dauer'],
  user: ['User', 'Username', 'Benutzer'],
  alias: ['Name', 'Alias'],
  email: ['Email', 'E-mail', 'E-Mail'],
  accountNumber: ['Account number', 'Staff number', 'Personalnummer'],
  customer: ['Customer', 'Kunde'],
  customerNumber: ['Customer number', 'Kundennummer'],
  project: ['Project', 'Projekt'],
  projectNumber: ['Project number', 'Projektnummer'],
  activity: ['Activity', 'Tätigkeit', 'Aktivität'],
  description: ['Description', 'Beschreibung'],
  exported: ['Exported', 'Exportiert'],
  billable: ['Billable', 'Abrechenbar'],
  currency: ['Currency', 'Währung'],
} as const;

/**
 * A row mapper for one file. A record's id is Kimai's own (the ID column) when exported, derived from the row
 * otherwise (row-identity.ts: date, times, user, customer, project, activity, duration, description; the Exported
 * flag is left out since Kimai sets it after the fact).
 */
export function kimaiRows() {
  const identity = new RowIdentity();
  return (row: CsvRow): TimeRecord => {
    const read = columnReader(row.cells);
    const date = parseDate('Date', read.required(kimaiColumns.date));
    const startTime = parseClock('From', read.optional(kimaiColumns.begin));
    const endTime = parseClock('To', read.optional(kimaiColumns.end));
    const hours = parseHours('Duration', read.required(kimaiColumns.duration));
    const userName = read.optional(kimaiColumns.user) ?? read.required(kimaiColumns.alias);
    const displayName = read.optional(kimaiColumns.alias) ?? userName;
    const email = read.optional(kimaiColumns.email);
    const customerName = read.required(kimaiColumns.customer);
    const customerNumber = read.optional(kimaiColumns.customerNumber);
    const projectName = read.required(kimaiColumns.project);
    const activityName = read.required(kimaiColumns.activity);
    const description = read.optional(kimaiColumns.description);
    const sourceId = read.optional(kimaiColumns.id);

    const customer: CustomerRecord = {
      ref: { system: KIMAI, id: customerNumber ?? customerName },
      name: customerName,
      code: customerNumber,
      currency: parseCurrency('Currency', read.optional(kimaiColumns.currency)),
    };
    const project: ProjectRecord = {
      ref: { system: KIMAI, id: `${customer.ref.id}/${projectName}` },
      customer,
      name: projectName,
      code: read.optional(kimaiColumns.projectNumber),
    };
    const billable = parseFlag('Billable', read.optional(kimaiColumns.billable));
    const task: TaskRecord = { ref: { system: KIMAI, id: `${project.ref.id}/${activityName}` }, project, name: activityName, billable };
    const worker: WorkerRecord = {
      ref: { system: KIMAI, id: userName },
      name: displayName,
      email,
      employeeNumber: read.optional(kimaiColumns.accountNumber),
      kind: null,
      role: null,
    };
    const id = sourceId ?? identity.idFor(date, [startTime, endTime, userName, customer.ref.id, projectName, activityName, hours, description]);
    return {
      kind: 'time',
      externalId: { system: KIMAI, id },
      worker,
      task,
      date,
      hours,
      startTime,
      endTime,
      notes: description,
      billable,
      invoiced: parseFlag('Exported', read.optional(kimaiColumns.exported)) ?? false,
    };
  };
}
