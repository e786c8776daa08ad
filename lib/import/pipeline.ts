import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AssignmentPlanner } from './assignments.ts';
import { Catalog, type Known, type Wanted } from './catalog.ts';
import { csvChunks, IMPORT_CHUNK_ROWS, type CsvRow } from './csv-rows.ts';
import { checkDefaults, type ImportDefaults } from './defaults.ts';
import { checkGenericMapping, genericRows } from './generic.ts';
import type { ImportGraph } from './graph.ts';
import { harvestRows } from './harvest.ts';
import { kimaiRows } from './kimai.ts';
import { refKey } from './lookups.ts';
import {
  RowError,
  type AssignmentRecord,
  type CustomerRecord,
  type ImportRecord,
  type MasterRecord,
  type ParsedRow,
  type ProjectRecord,
  type RoleRecord,
  type SourceRef,
  type TaskRecord,
  type TimeRecord,
  type WorkerRecord,
} from './records.ts';
import { ReportBuilder, type ImportReport, type RowResult } from './report.ts';
import { importTimeEntries, upsert, type TimeImportInput, type UpsertError } from './upserts.ts';

export type ImportSource = 'harvest' | 'kimai' | 'generic';

export interface ImportOptions {
  readonly source: ImportSource;
  /** The CSV: a stream (read as it arrives) or the whole text. */
  readonly input: Readable | string;
  /** How the import reaches the graph (graph.ts): every read and write goes through it, as the importing person. */
  readonly graph: ImportGraph;
  /**
   * The mapping file's content, parsed: for `generic`, `{ entity, system, columns, defaults? }` (generic.ts); for
   * Harvest and Kimai, optional `{ defaults }` (defaults.ts).
   */
  readonly mapping?: unknown;
  /** Reads what exists and reports what would happen, writing nothing. */
  readonly dryRun?: boolean;
  /** The status imported time gets. Default DRAFT. */
  readonly timeStatus?: 'DRAFT' | 'APPROVED';
  /** Lets time into closed periods (ADMIN; the graph refuses anyone else). */
  readonly allowLockedPeriods?: boolean;
  /** Rows per chunk, at most 1,000 (one bulk call per entity per chunk). */
  readonly chunkRows?: number;
  /** Every row's result as it is decided (the CLI's report file). */
  readonly onRow?: (row: RowResult) => void;
  /** Called after each chunk with the rows done so far. */
  readonly onProgress?: (rowsDone: number) => void;
  /** How many row results the returned report keeps (report.ts). Default 1,000. */
  readonly keptRows?: number;
}

/** A file the import cannot read at all (a bad mapping, a header without the source's columns). */
export class ImportInputError extends Error {}

/**
 * Imports a file through the graph, chunk by chunk (csv-rows.ts): each chunk's rows become records (harvest.ts,
 * kimai.ts, generic.ts), the records they name are found or created in dependency order (customers, roles, workers,
 * projects, tasks: catalog.ts; assignments covering the time: assignments.ts), then the chunk's time goes in with
 * one importTimeEntries call. Memory holds one chunk and what the import has found so far (one entry per distinct
 * record, never per row). Every row gets a result: CREATED, UPDATED, MATCHED, SKIPPED, or REFUSED with a code.
 */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const dryRun = options.dryRun ?? false;
  const timeStatus = options.timeStatus ?? 'DRAFT';
  const chunkRows = Math.min(options.chunkRows ?? IMPORT_CHUNK_ROWS, IMPORT_CHUNK_ROWS);
  const { mapper, defaults, columns } = rowMapperFor(options.source, options.mapping);
  const report = new ReportBuilder({ source: options.source, dryRun, timeStatus, keptRows: options.keptRows, onRow: options.onRow });
  const runId = randomUUID();
  const catalog = new Catalog(options.graph, { dryRun, defaults, runId, report });
  const planner = new AssignmentPlanner(options.graph, catalog, { dryRun, runId, report });
  let chunkNumber = 0;
  let checkedHeader = false;
  for await (const rows of csvChunks(options.input, chunkRows)) {
    if (!checkedHeader) {
      checkHeader(options.source, columns, rows[0]);
      checkedHeader = true;
    }
    chunkNumber += 1;
    const parsed = rows.map((row) => parseRow(mapper, row));
    await importChunk(parsed, { ...options, dryRun, timeStatus, catalog, planner, report, key: `import:${runId}:time:${chunkNumber}` });
    options.onProgress?.(report.rowsSoFar);
  }
  return report.finish();
}

function rowMapperFor(
  source: ImportSource,
  mapping: unknown,
): { mapper: (row: CsvRow) => ImportRecord; defaults: ImportDefaults; columns: readonly string[] } {
  const file = (mapping ?? {}) as { defaults?: unknown };
  try {
    const defaults = checkDefaults(file.defaults);
    if (source === 'harvest') return { mapper: harvestRows(), defaults, columns: signatures.harvest };
    if (source === 'kimai') return { mapper: kimaiRows(), defaults, columns: signatures.kimai };
    if (mapping === undefined) throw new Error('a generic import needs a mapping file (--mapping)');
    const generic = checkGenericMapping(mapping);
    return { mapper: genericRows(generic), defaults, columns: Object.values(generic.columns) };
  } catch (error) {
    throw new ImportInputError((error as Error).message);
  }
}

const signatures: Record<Exclude<ImportSource, 'generic'>, string[]> = {
  harvest: ['Date', 'Client', 'Project', 'Task', 'Hours', 'First Name'],
  kimai: ['Date', 'Duration', 'Customer', 'Project', 'Activity'],
};

/** A file of another format, or a mapping naming columns the file lacks, fails on its header, once, not on every row. */
function checkHeader(source: ImportSource, columns: readonly string[], first: CsvRow | undefined) {
  if (!first) return;
  const header = new Set(Object.keys(first.cells).map((name) => name.toLowerCase()));
  const missing = columns.filter((column) => !header.has(column.toLowerCase()));
  if (missing.length === 0) return;
  if (source === 'generic') throw new ImportInputError(`the file has no column ${missing.map((name) => `"${name}"`).join(', ')} of the mapping`);
  // Kimai names its columns in the user's language: only an English header is checked here.
  if (source === 'harvest' || header.has('date')) throw new ImportInputError(`not a ${source} export: the header lacks ${missing.join(', ')}`);
}

function parseRow(mapper: (row: CsvRow) => ImportRecord, row: CsvRow): ParsedRow {
  try {
    const record = mapper(row);
    if (record.kind === 'time' && Number(record.hours) === 0) return { line: row.line, skipped: 'no hours (a running timer or an empty entry)' };
    return { line: row.line, record };
  } catch (error) {
    if (!(error instanceof RowError)) throw error;
    return { line: row.line, refused: { code: 'BAD_USER_INPUT', message: error.message, field: error.column } };
  }
}

interface ChunkContext {
  graph: ImportGraph;
  dryRun: boolean;
  timeStatus: 'DRAFT' | 'APPROVED';
  allowLockedPeriods?: boolean;
  catalog: Catalog;
  planner: AssignmentPlanner;
  report: ReportBuilder;
  key: string;
}

async function importChunk(parsed: readonly ParsedRow[], context: ChunkContext): Promise<void> {
  const { catalog, report } = context;
  const records = parsed.flatMap((row) => ('record' in row ? [{ line: row.line, record: row.record }] : []));
  const time = records.filter((item): item is { line: number; record: TimeRecord } => item.record.kind === 'time');
  const named = namedRecords(records.map((item) => item.record));
  await catalog.customers(named.customers);
  await catalog.roles(named.roles);
  await catalog.workers(named.workers);
  await catalog.projects(named.projects);
  await catalog.tasks(named.tasks);
  await catalog.moveFirstDates('worker', earliestBy(time, (record) => record.worker.ref));
  await catalog.moveFirstDates('project', earliestBy(time, (record) => record.task.project.ref));
  const assignmentRows = records.filter((item) => item.record.kind === 'assignment');
  const assignmentRecords = assignmentRows.map((item) => item.record as AssignmentRecord);
  const assignmentResults = await importAssignments(assignmentRecords, context);
  const timeResults = await importTime(time.map((item) => item.record), context);

  for (const row of parsed) {
    if ('refused' in row) {
      report.row({ line: row.line, outcome: 'REFUSED', entity: 'row', externalSystem: null, externalId: null, recordId: null, ...row.refused });
      continue;
    }
    if ('skipped' in row) {
      const unknown = { externalSystem: null, externalId: null, recordId: null, code: null, field: null };
      report.row({ line: row.line, outcome: 'SKIPPED', entity: 'timeEntry', ...unknown, message: row.skipped });
      continue;
    }
    const { record } = row;
    if (record.kind === 'time') report.row({ line: row.line, ...timeResults.get(record)! });
    else if (record.kind === 'assignment') report.row({ line: row.line, ...assignmentResults.get(record)! });
    else report.row({ line: row.line, ...masterResult(record, catalog) });
  }
}

type Result = Omit<RowResult, 'line'>;

const resultOf = (entity: string, ref: SourceRef | null, known: Pick<Known, 'id' | 'error'>, outcome: RowResult['outcome']): Result => ({
  entity,
  outcome: known.error ? 'REFUSED' : outcome,
  externalSystem: ref?.system ?? null,
  externalId: ref?.id ?? null,
  recordId: known.id,
  code: known.error?.code ?? null,
  message: known.error?.message ?? null,
  field: known.error?.field ?? null,
});

/** A generic master row's result: its record's outcome as the catalog decided it (counted once per record). */
function masterResult(record: Exclude<MasterRecord, { kind: 'assignment' }>, catalog: Catalog): Result {
  const [entity, ref] =
    record.kind === 'customer' ? (['customer', record.customer.ref] as const)
    : record.kind === 'role' ? (['role', record.role.ref] as const)
    : record.kind === 'worker' ? (['worker', record.worker.ref] as const)
    : record.kind === 'project' ? (['project', record.project.ref] as const)
    : (['task', record.task.ref] as const);
  const known = catalog.knownOf(entity, ref) ?? { id: null, error: { code: 'INTERNAL_SERVER_ERROR', message: 'not resolved', field: null } };
  return resultOf(entity, ref, known, known.outcome ?? 'MATCHED');
}

/** The records the chunk's rows name, each with the earliest date its time rows have. */
function namedRecords(records: readonly ImportRecord[]) {
  const named = {
    customers: [] as Wanted<CustomerRecord>[],
    roles: [] as Wanted<RoleRecord>[],
    workers: [] as Wanted<WorkerRecord>[],
    projects: [] as Wanted<ProjectRecord>[],
    tasks: [] as Wanted<TaskRecord>[],
  };
  for (const record of records) {
    switch (record.kind) {
      case 'time': {
        const firstDate = record.date;
        named.customers.push({ record: record.task.project.customer, explicit: false, firstDate });
        if (record.worker.role) named.roles.push({ record: record.worker.role, explicit: false, firstDate });
        named.workers.push({ record: record.worker, explicit: false, firstDate });
        named.projects.push({ record: record.task.project, explicit: false, firstDate });
        named.tasks.push({ record: record.task, explicit: false, firstDate });
        break;
      }
      case 'customer':
        named.customers.push({ record: record.customer, explicit: true, firstDate: null });
        break;
      case 'role':
        named.roles.push({ record: record.role, explicit: true, firstDate: null });
        break;
      case 'worker':
        if (record.worker.role) named.roles.push({ record: record.worker.role, explicit: false, firstDate: null });
        named.workers.push({ record: record.worker, explicit: true, firstDate: null });
        break;
      case 'project':
        named.customers.push({ record: record.project.customer, explicit: false, firstDate: null });
        named.projects.push({ record: record.project, explicit: true, firstDate: null });
        break;
      case 'task':
        named.projects.push({ record: record.task.project, explicit: false, firstDate: null });
        named.tasks.push({ record: record.task, explicit: true, firstDate: null });
        break;
      case 'assignment':
        named.workers.push({ record: record.worker, explicit: false, firstDate: null });
        named.projects.push({ record: record.project, explicit: false, firstDate: null });
        if (record.role) named.roles.push({ record: record.role, explicit: false, firstDate: null });
        break;
    }
  }
  // Records a generic row names by reference alone never create; a customer's placeholder (a project's, by ref) is dropped.
  named.customers = named.customers.filter((item) => item.record.ref.id !== '');
  return named;
}

function earliestBy(time: ReadonlyArray<{ record: TimeRecord }>, refOf: (record: TimeRecord) => SourceRef) {
  const earliest = new Map<string, { ref: SourceRef; date: string }>();
  for (const { record } of time) {
    const ref = refOf(record);
    const key = refKey(ref);
    const current = earliest.get(key);
    if (!current || record.date < current.date) earliest.set(key, { ref, date: record.date });
  }
  return earliest;
}

/** The first refusal among the records a time row names, in the order they were resolved. */
function blockerOf(record: TimeRecord, catalog: Catalog): UpsertError | null {
  const chain: Array<Known | undefined> = [
    catalog.knownOf('customer', record.task.project.customer.ref),
    record.worker.role ? catalog.knownOf('role', record.worker.role.ref) : undefined,
    catalog.knownOf('worker', record.worker.ref),
    catalog.knownOf('project', record.task.project.ref),
    catalog.knownOf('task', record.task.ref),
  ];
  return chain.find((known) => known?.error)?.error ?? null;
}

async function importTime(records: readonly TimeRecord[], context: ChunkContext): Promise<Map<TimeRecord, Result>> {
  const { catalog, planner, report } = context;
  const results = new Map<TimeRecord, Result>();
  const refuse = (record: TimeRecord, error: UpsertError) => {
    results.set(record, resultOf('timeEntry', record.externalId, { id: null, error }, 'REFUSED'));
    report.entity('timeEntry', 'REFUSED');
  };
  const ready = records.filter((record) => {
    const blocker = blockerOf(record, catalog);
    if (blocker) refuse(record, blocker);
    return !blocker;
  });
  if (ready.length === 0) return results;
  await planner.cover(ready);
  const idOf = (entity: 'worker' | 'project' | 'task', ref: SourceRef) => catalog.knownOf(entity, ref)?.id ?? null;
  const sendable: TimeRecord[] = [];
  for (const record of ready) {
    const failed = planner.failed.get(AssignmentPlanner.pairOf(record))?.get(record.date);
    if (failed) refuse(record, failed);
    else sendable.push(record);
  }
  if (context.dryRun) {
    // Rows whose worker, project, task and assignment exist now are checked by time itself (a rolled-back import:
    // the same codes a real run gets); the others need records this run would create first, so they would be created.
    const checkable = sendable.filter(
      (record) =>
        idOf('worker', record.worker.ref) && idOf('project', record.task.project.ref) && idOf('task', record.task.ref) && planner.assignedNow(record),
    );
    for (const record of sendable.filter((record) => !checkable.includes(record))) {
      results.set(record, resultOf('timeEntry', record.externalId, { id: null, error: null }, 'CREATED'));
      report.entity('timeEntry', 'CREATED');
    }
    if (checkable.length > 0) await sendTime(checkable, context, idOf, results, refuse, true);
    return results;
  }
  if (sendable.length === 0) return results;
  await sendTime(sendable, context, idOf, results, refuse, false);
  return results;
}

/** One importTimeEntries call for a chunk's rows (a dry run's rolled back), each row's result reported. */
async function sendTime(
  sendable: readonly TimeRecord[],
  context: ChunkContext,
  idOf: (entity: 'worker' | 'project' | 'task', ref: SourceRef) => string | null,
  results: Map<TimeRecord, Result>,
  refuse: (record: TimeRecord, error: UpsertError) => void,
  dryRun: boolean,
) {
  const inputs: TimeImportInput[] = sendable.map((record) => ({
    externalId: record.externalId,
    workerId: idOf('worker', record.worker.ref)!,
    projectId: idOf('project', record.task.project.ref)!,
    taskId: idOf('task', record.task.ref)!,
    date: record.date,
    hours: record.hours,
    startTime: record.startTime,
    endTime: record.endTime,
    billable: record.billable,
    notes: record.notes,
    invoiced: record.invoiced,
  }));
  const answers = await importTimeEntries(context.graph, inputs, {
    status: context.timeStatus,
    allowLockedPeriods: context.allowLockedPeriods ?? false,
    idempotencyKey: context.key,
    dryRun,
  });
  answers.forEach((answer, index) => {
    const record = sendable[index];
    if (answer.outcome === 'REFUSED' || (!answer.record && !dryRun)) {
      refuse(record, answer.error ?? { code: 'INTERNAL_SERVER_ERROR', message: 'refused without a reason', field: null });
      return;
    }
    const outcome = answer.outcome === 'CREATED' ? 'CREATED' : answer.outcome === 'UPDATED' ? 'UPDATED' : 'MATCHED';
    results.set(record, resultOf('timeEntry', record.externalId, { id: answer.record?.id ?? null, error: null }, outcome));
    context.report.entity('timeEntry', outcome);
  });
}

/** A generic assignments file: each row upserted as given (the worker, project and role found by reference). */
async function importAssignments(records: ReadonlyArray<AssignmentRecord>, context: ChunkContext) {
  const { catalog, report } = context;
  const results = new Map<(typeof records)[number], Result>();
  const sendable: Array<{ record: (typeof records)[number]; fields: Record<string, unknown> }> = [];
  for (const record of records) {
    const worker = catalog.knownOf('worker', record.worker.ref);
    const project = catalog.knownOf('project', record.project.ref);
    const role = record.role ? catalog.knownOf('role', record.role.ref) : undefined;
    const blocker = worker?.error ?? project?.error ?? role?.error ?? null;
    if (blocker) {
      results.set(record, resultOf('assignment', record.ref, { id: null, error: blocker }, 'REFUSED'));
      report.entity('assignment', 'REFUSED');
      continue;
    }
    const roleId = role?.id ?? worker?.roleId ?? null;
    sendable.push({
      record,
      fields: {
        workerId: worker?.id,
        projectId: project?.id,
        ...(roleId ? { roleId } : {}),
        startDate: record.startDate,
        endDate: record.endDate,
        ...(record.plannedHours ? { plannedHours: record.plannedHours } : {}),
      },
    });
  }
  if (sendable.length === 0) return results;
  if (context.dryRun) {
    for (const { record } of sendable) {
      results.set(record, resultOf('assignment', record.ref, { id: null, error: null }, 'CREATED'));
      report.entity('assignment', 'CREATED');
    }
    return results;
  }
  const inputs = sendable.map(({ record, fields }) => ({ externalRef: record.ref, ...fields }));
  const answers = await upsert(context.graph, 'assignment', inputs, `${context.key}:assignments`);
  answers.forEach((answer, index) => {
    const { record } = sendable[index];
    const error = answer.outcome === 'REFUSED' ? (answer.error ?? { code: 'INTERNAL_SERVER_ERROR', message: 'refused', field: null }) : null;
    const outcome = answer.outcome === 'CREATED' ? 'CREATED' : answer.outcome === 'UPDATED' ? 'UPDATED' : 'MATCHED';
    results.set(record, resultOf('assignment', record.ref, { id: answer.record?.id ?? null, error }, outcome));
    report.entity('assignment', error ? 'REFUSED' : outcome);
  });
  return results;
}
