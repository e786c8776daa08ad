/**
 * What every source's rows become before they reach the graph: plain records naming the things they touch by an
 * external reference (the source system's key) and by the names a person would match them on.
 */

/** A record's key in the source system, as the graph's `ExternalRefInput`. */
export interface SourceRef {
  readonly system: string;
  readonly id: string;
}

export interface CustomerRecord {
  readonly ref: SourceRef;
  /** Named by its reference alone (a generic file pointing at a record imported before): found, never created. */
  readonly refOnly?: boolean;
  readonly name: string;
  /** The customer's code in psgraph, when the source has one (Kimai's customer number); derived from the name otherwise. */
  readonly code: string | null;
  readonly currency: string | null;
}

export interface RoleRecord {
  readonly ref: SourceRef;
  /** Named by its reference alone (a generic file pointing at a record imported before): found, never created. */
  readonly refOnly?: boolean;
  readonly name: string;
  readonly code: string | null;
}

export interface WorkerRecord {
  readonly ref: SourceRef;
  /** Named by its reference alone (a generic file pointing at a record imported before): found, never created. */
  readonly refOnly?: boolean;
  readonly name: string;
  readonly email: string | null;
  readonly employeeNumber: string | null;
  /** EMPLOYEE or CONTRACTOR (Harvest's Employee? column); null when the source does not say. */
  readonly kind: 'EMPLOYEE' | 'CONTRACTOR' | null;
  readonly role: RoleRecord | null;
}

export interface ProjectRecord {
  readonly ref: SourceRef;
  /** Named by its reference alone (a generic file pointing at a record imported before): found, never created. */
  readonly refOnly?: boolean;
  readonly customer: CustomerRecord;
  readonly name: string;
  readonly code: string | null;
  /** The source's project dates, when it has them (generic files); else the first date of its time. */
  readonly startDate?: string | null;
  readonly endDate?: string | null;
}

export interface TaskRecord {
  readonly ref: SourceRef;
  /** Named by its reference alone (a generic file pointing at a record imported before): found, never created. */
  readonly refOnly?: boolean;
  readonly project: ProjectRecord;
  readonly name: string;
  readonly billable: boolean | null;
}

/** One row of time history. */
export interface TimeRecord {
  readonly kind: 'time';
  /** The entry's key in the source (a row id, or one derived from the row: see harvest.ts). */
  readonly externalId: SourceRef;
  readonly worker: WorkerRecord;
  readonly task: TaskRecord;
  readonly date: string;
  readonly hours: string;
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly notes: string | null;
  readonly billable: boolean | null;
  /** Already invoiced (or exported for invoicing) in the source: psgraph must never bill it again. */
  readonly invoiced: boolean;
}

export interface AssignmentRecord {
  readonly kind: 'assignment';
  readonly ref: SourceRef;
  readonly worker: WorkerRecord;
  readonly project: ProjectRecord;
  readonly role: RoleRecord | null;
  readonly startDate: string;
  readonly endDate: string;
  readonly plannedHours: string | null;
}

/** Master data rows of the generic format (one file per kind). */
export type MasterRecord =
  | { readonly kind: 'customer'; readonly customer: CustomerRecord }
  | { readonly kind: 'role'; readonly role: RoleRecord }
  | { readonly kind: 'worker'; readonly worker: WorkerRecord }
  | { readonly kind: 'project'; readonly project: ProjectRecord }
  | { readonly kind: 'task'; readonly task: TaskRecord }
  | AssignmentRecord;

export type ImportRecord = TimeRecord | MasterRecord;

/** A source row turned into a record, or why it cannot be (a refusal with a code, or a row with nothing to import). */
export type ParsedRow =
  | { readonly line: number; readonly record: ImportRecord }
  | { readonly line: number; readonly refused: { readonly code: string; readonly message: string; readonly field: string | null } }
  | { readonly line: number; readonly skipped: string };

/** Thrown by a row mapper for a row it cannot read: the row is refused with BAD_USER_INPUT naming the column. */
export class RowError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(message);
  }
}
