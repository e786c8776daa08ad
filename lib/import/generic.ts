import { columnReader, parseClock, parseCurrency, parseDate, parseFlag, parseHours, type CsvRow } from './csv-rows.ts';
import type { CustomerRecord, ImportRecord, ProjectRecord, RoleRecord, SourceRef, TaskRecord, WorkerRecord } from './records.ts';
import { RowError } from './records.ts';
import { RowIdentity } from './row-identity.ts';

/** The entities a generic file may hold, one per file. */
export const genericEntities = ['customers', 'roles', 'workers', 'projects', 'tasks', 'assignments', 'timeEntries'] as const;
export type GenericEntity = (typeof genericEntities)[number];

/**
 * The fields each entity reads, and which are required. Fields naming another record (`customer`, `project`, `worker`,
 * `role`, `task`) hold that record's id in the same external system: it must have been imported before (or exist
 * with that reference).
 */
export const genericFields: Record<GenericEntity, { required: readonly string[]; optional: readonly string[] }> = {
  customers: { required: ['id', 'name'], optional: ['code', 'currency'] },
  roles: { required: ['id', 'name'], optional: ['code'] },
  workers: { required: ['id', 'name'], optional: ['email', 'employeeNumber', 'kind', 'role'] },
  projects: { required: ['id', 'name', 'customer'], optional: ['code', 'startDate', 'endDate'] },
  tasks: { required: ['id', 'name', 'project'], optional: ['billable'] },
  assignments: { required: ['id', 'worker', 'project', 'startDate', 'endDate'], optional: ['role', 'plannedHours'] },
  timeEntries: {
    required: ['date', 'hours', 'worker', 'project', 'task'],
    optional: ['id', 'notes', 'billable', 'invoiced', 'startTime', 'endTime'],
  },
};

/**
 * A column-mapping file (JSON): which entity the CSV holds, the external system its ids belong to, and for each field
 * the CSV column it is read from, e.g.
 * `{ "entity": "workers", "system": "bamboohr", "columns": { "id": "Employee #", "name": "Full name", "email": "Work email" } }`.
 */
export interface GenericMapping {
  readonly entity: GenericEntity;
  readonly system: string;
  readonly columns: Readonly<Record<string, string>>;
}

/** Checks a parsed mapping file; throws an Error saying what is wrong (the CLI and the mutation report it). */
export function checkGenericMapping(mapping: unknown): GenericMapping {
  const value = mapping as Partial<GenericMapping> | null;
  if (!value || typeof value !== 'object') throw new Error('the mapping is not a JSON object');
  if (!genericEntities.includes(value.entity as GenericEntity)) {
    throw new Error(`mapping.entity must be one of ${genericEntities.join(', ')}`);
  }
  if (typeof value.system !== 'string' || !value.system.trim()) {
    throw new Error('mapping.system must name the external system the ids belong to');
  }
  const columns = value.columns;
  if (!columns || typeof columns !== 'object') throw new Error('mapping.columns must map fields to CSV columns');
  const fields = genericFields[value.entity as GenericEntity];
  for (const field of fields.required) {
    if (typeof (columns as Record<string, unknown>)[field] !== 'string') {
      throw new Error(`mapping.columns.${field} is required for ${value.entity}`);
    }
  }
  for (const field of Object.keys(columns)) {
    if (!fields.required.includes(field) && !fields.optional.includes(field)) {
      const known = [...fields.required, ...fields.optional].join(', ');
      throw new Error(`mapping.columns.${field} is not a field of ${value.entity} (fields: ${known})`);
    }
  }
  return { entity: value.entity as GenericEntity, system: value.system.trim(), columns: columns as Record<string, string> };
}

/** A row mapper for one generic file under its mapping. */
export function genericRows(mapping: GenericMapping) {
  const identity = new RowIdentity();
  const { system, columns } = mapping;
  const ref = (id: string): SourceRef => ({ system, id });
  const refOnly = <T>(id: string, extra: T) => ({ ref: ref(id), refOnly: true as const, name: '', ...extra });
  return (row: CsvRow): ImportRecord => {
    const read = columnReader(row.cells);
    const optional = (field: string) => (columns[field] ? read.optional([columns[field]]) : null);
    const required = (field: string) => read.required([columns[field]]);
    const flag = (field: string) => parseFlag(columns[field] ?? field, optional(field));
    const customerOf = (id: string): CustomerRecord => refOnly(id, { code: null, currency: null });
    const projectOf = (id: string): ProjectRecord => refOnly(id, { customer: customerOf(''), code: null, startDate: null, endDate: null });
    const roleOf = (id: string | null): RoleRecord | null => (id ? refOnly(id, { code: null }) : null);
    const workerOf = (id: string): WorkerRecord => refOnly(id, { email: null, employeeNumber: null, kind: null, role: null });
    switch (mapping.entity) {
      case 'customers':
        return {
          kind: 'customer',
          customer: {
            ref: ref(required('id')),
            name: required('name'),
            code: optional('code'),
            currency: parseCurrency(columns.currency, optional('currency')),
          },
        };
      case 'roles':
        return { kind: 'role', role: { ref: ref(required('id')), name: required('name'), code: optional('code') } };
      case 'workers': {
        const kind = optional('kind')?.toUpperCase() ?? null;
        if (kind !== null && kind !== 'EMPLOYEE' && kind !== 'CONTRACTOR') {
          throw new RowError(columns.kind, `${columns.kind} must be EMPLOYEE or CONTRACTOR`);
        }
        return {
          kind: 'worker',
          worker: {
            ref: ref(required('id')),
            name: required('name'),
            email: optional('email'),
            employeeNumber: optional('employeeNumber'),
            kind,
            role: roleOf(optional('role')),
          },
        };
      }
      case 'projects': {
        const startDate = optional('startDate');
        const endDate = optional('endDate');
        return {
          kind: 'project',
          project: {
            ref: ref(required('id')),
            name: required('name'),
            code: optional('code'),
            customer: customerOf(required('customer')),
            startDate: startDate === null ? null : parseDate(columns.startDate, startDate),
            endDate: endDate === null ? null : parseDate(columns.endDate, endDate),
          },
        };
      }
      case 'tasks':
        return {
          kind: 'task',
          task: { ref: ref(required('id')), name: required('name'), project: projectOf(required('project')), billable: flag('billable') },
        };
      case 'assignments': {
        const startDate = parseDate(columns.startDate, required('startDate'));
        const endDate = parseDate(columns.endDate, required('endDate'));
        const plannedHours = optional('plannedHours');
        return {
          kind: 'assignment',
          ref: ref(required('id')),
          worker: workerOf(required('worker')),
          project: projectOf(required('project')),
          role: roleOf(optional('role')),
          startDate,
          endDate,
          plannedHours: plannedHours === null ? null : parseHours(columns.plannedHours, plannedHours),
        };
      }
      case 'timeEntries': {
        const date = parseDate(columns.date, required('date'));
        const hours = parseHours(columns.hours, required('hours'));
        const project = projectOf(required('project'));
        const task: TaskRecord = refOnly(required('task'), { project, billable: null });
        const worker = workerOf(required('worker'));
        const notes = optional('notes');
        const startTime = parseClock(columns.startTime ?? 'startTime', optional('startTime'));
        const endTime = parseClock(columns.endTime ?? 'endTime', optional('endTime'));
        const id = optional('id') ?? identity.idFor(date, [worker.ref.id, project.ref.id, task.ref.id, startTime, endTime, hours, notes]);
        return {
          kind: 'time',
          externalId: ref(id),
          worker,
          task,
          date,
          hours,
          startTime,
          endTime,
          notes,
          billable: flag('billable'),
          invoiced: flag('invoiced') ?? false,
        };
      }
    }
  };
}
