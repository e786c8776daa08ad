import { ImportGraphError, type ImportGraph } from './graph.ts';
import type { SourceRef } from './records.ts';

/** The graph's bulk upserts an import calls (issue 17 part 1), by the entity they write. */
const mutations = {
  customer: { field: 'upsertCustomers', input: 'CustomerUpsertInput', result: 'customer { id }' },
  role: { field: 'upsertRoles', input: 'RoleUpsertInput', result: 'role { id }' },
  worker: { field: 'upsertWorkers', input: 'WorkerUpsertInput', result: 'worker { id hireDate role { id } }' },
  project: { field: 'upsertProjects', input: 'ProjectUpsertInput', result: 'project { id startDate }' },
  task: { field: 'upsertTasks', input: 'TaskUpsertInput', result: 'task { id }' },
  assignment: { field: 'upsertAssignments', input: 'AssignmentUpsertInput', result: 'assignment { id }' },
} as const;

export type UpsertedEntity = keyof typeof mutations;

export interface UpsertError {
  code: string;
  message: string;
  field: string | null;
}

export interface UpsertAnswer {
  index: number;
  outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'REFUSED';
  record: { id: string; [field: string]: unknown } | null;
  error: UpsertError | null;
}

export type UpsertInput = { externalRef: SourceRef } & Record<string, unknown>;

/**
 * Runs a request, trying twice more (after 1 s, then 4 s) when the graph could not be reached: the same idempotency
 * key makes a retried write return the first one's answer instead of writing twice.
 */
export async function withRetries<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ImportGraphError) || !error.retryable || attempt >= 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * 4 ** attempt));
    }
  }
}

/** One bulk upsert call (at most MAX_UPSERT_BATCH inputs: the pipeline's chunks are that size). */
export async function upsert(
  graph: ImportGraph,
  entity: UpsertedEntity,
  inputs: readonly UpsertInput[],
  idempotencyKey: string,
): Promise<UpsertAnswer[]> {
  const { field, input, result } = mutations[entity];
  const query = `mutation ImportUpsert($inputs: [${input}!]!, $key: String) {
    results: ${field}(inputs: $inputs, idempotencyKey: $key) { index outcome record: ${result} error { code message field } } }`;
  const data = await withRetries(() => graph.request<{ results: UpsertAnswer[] }>(query, { inputs, key: idempotencyKey }));
  return data.results;
}

export interface TimeImportInput {
  externalId: SourceRef;
  workerId: string;
  projectId: string;
  taskId: string;
  date: string;
  hours: string;
  startTime: string | null;
  endTime: string | null;
  billable: boolean | null;
  notes: string | null;
  invoiced: boolean;
}

/** importTimeEntries (time): one call per chunk. */
export async function importTimeEntries(
  graph: ImportGraph,
  inputs: readonly TimeImportInput[],
  options: { status: 'DRAFT' | 'APPROVED'; allowLockedPeriods: boolean; idempotencyKey: string; dryRun?: boolean },
): Promise<UpsertAnswer[]> {
  const query = `mutation ImportTime($inputs: [ImportTimeEntryInput!]!, $status: ImportedEntryStatus!, $allow: Boolean, $dryRun: Boolean, $key: String) {
    results: importTimeEntries(inputs: $inputs, status: $status, allowLockedPeriods: $allow, dryRun: $dryRun, idempotencyKey: $key) {
      index outcome record: entry { id } error { code message field } } }`;
  // Optional fields left out rather than sent as null: null would mean "no billable flag" where absent means the default.
  const sent = inputs.map((input) => Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null)));
  const variables = { inputs: sent, status: options.status, allow: options.allowLockedPeriods, dryRun: options.dryRun ?? false, key: options.idempotencyKey };
  const data = await withRetries(() => graph.request<{ results: UpsertAnswer[] }>(query, variables));
  return data.results;
}
