import { checkExternalRef, type ExternalRef } from '../../lib/external-refs.ts';
import { DomainError, badInput } from '../../lib/errors.ts';
import type { LogTimeEntryInput } from './capture.ts';
import { refKey, type ProjectFacts, type WorkContext, type WorkContextSource } from './work-context.ts';

/** One entry of another system's time (importTimeEntries): LogTimeEntryInput with references beside the ids. */
export interface ImportTimeEntryInput {
  externalId: ExternalRef;
  workerId?: string | null;
  workerRef?: ExternalRef | null;
  projectId?: string | null;
  projectRef?: ExternalRef | null;
  taskId?: string | null;
  taskRef?: ExternalRef | null;
  date: string;
  hours: string;
  startTime?: string | null;
  endTime?: string | null;
  billable?: boolean | null;
  roleId?: string | null;
  notes?: string | null;
  /** Billed in the source system already: psgraph never bills it. */
  invoiced?: boolean | null;
}

export type ImportedEntryStatus = 'DRAFT' | 'APPROVED';

/** An import input with its worker and project ids known; its task still by reference when it was given so. */
export interface ResolvedImport {
  index: number;
  input: LogTimeEntryInput & { externalId: ExternalRef };
  taskRef: ExternalRef | null;
  invoiced: boolean;
}

/** An input's id or reference: exactly one of them (`required`), or neither when the field has a default. */
function oneOf(field: string, id: string | null | undefined, ref: ExternalRef | null | undefined, required: boolean): ExternalRef | null {
  if (id != null && ref != null) throw badInput(`${field}Ref`, `give ${field}Id or ${field}Ref, not both`);
  if (id == null && ref == null && required) throw badInput(`${field}Id`, `give ${field}Id or ${field}Ref`);
  return ref == null ? null : checkExternalRef(`${field}Ref`, ref);
}

/**
 * The checks an import input passes before anything is read: its externalId, and one id or reference for each of its
 * worker (or the caller), project and task. Throws the input's DomainError.
 */
export function checkImportInput(input: ImportTimeEntryInput): { externalId: ExternalRef; workerRef: ExternalRef | null; projectRef: ExternalRef | null; taskRef: ExternalRef | null } {
  const externalId = checkExternalRef('externalId', input.externalId);
  return {
    externalId,
    workerRef: oneOf('worker', input.workerId, input.workerRef, false),
    projectRef: oneOf('project', input.projectId, input.projectRef, true),
    taskRef: oneOf('task', input.taskId, input.taskRef, true),
  };
}

const unknownRef = (field: string, typename: string, ref: ExternalRef) =>
  new DomainError('NOT_FOUND', `${field}: no ${typename} has the external reference ${ref.system}:${ref.id}`, { field, typename, ...ref });

/**
 * The worker and project ids of checked import inputs: references resolved through the graph (hcm's workers and
 * psa's projects, `filter: { externalRefs }`) in one request for the whole batch; a reference naming nothing refuses
 * its input with NOT_FOUND, as an unknown id does.
 */
export async function resolveWorkersAndProjects(
  source: WorkContextSource,
  checked: ReadonlyArray<{ index: number; input: ImportTimeEntryInput; refs: ReturnType<typeof checkImportInput> }>,
  refuse: (index: number, error: DomainError) => void,
): Promise<ResolvedImport[]> {
  const workers = checked.flatMap((c) => (c.refs.workerRef ? [c.refs.workerRef] : []));
  const projects = checked.flatMap((c) => (c.refs.projectRef ? [c.refs.projectRef] : []));
  let found = { workers: new Map<string, string>(), projects: new Map<string, string>() };
  if (workers.length > 0 || projects.length > 0) {
    if (!source.recordIdsByRefs) throw new DomainError('INTERNAL_SERVER_ERROR', 'time was built without a way to resolve external references');
    found = await source.recordIdsByRefs({ workers, projects });
  }
  const resolved: ResolvedImport[] = [];
  for (const { index, input, refs } of checked) {
    const workerId = refs.workerRef ? found.workers.get(refKey(refs.workerRef)) : input.workerId;
    if (refs.workerRef && !workerId) {
      refuse(index, unknownRef('workerRef', 'Worker', refs.workerRef));
      continue;
    }
    const projectId = refs.projectRef ? found.projects.get(refKey(refs.projectRef)) : input.projectId;
    if (!projectId) {
      refuse(index, unknownRef('projectRef', 'Project', refs.projectRef!));
      continue;
    }
    resolved.push({
      index,
      input: {
        workerId,
        projectId,
        // Filled from the project's tasks once psa's facts are read (`resolveTask`).
        taskId: input.taskId ?? '',
        date: input.date,
        hours: input.hours,
        startTime: input.startTime,
        endTime: input.endTime,
        billable: input.billable,
        roleId: input.roleId,
        notes: input.notes,
        externalId: refs.externalId,
      },
      taskRef: refs.taskRef,
      invoiced: input.invoiced === true,
    });
  }
  return resolved;
}

/** The task a reference names among its project's tasks (read with their references); NOT_FOUND when none has it. */
export function resolveTask(context: WorkContext, projectId: string, ref: ExternalRef): string | null {
  const project: ProjectFacts | null | undefined = context.projects.get(projectId);
  // An unknown project is the entry rules' NOT_FOUND, with its usual message.
  if (!project) return null;
  const task = project.tasks.find((t) => t.externalRefs?.some((own) => own.system === ref.system && own.id === ref.id));
  if (!task) {
    throw new DomainError('NOT_FOUND', `taskRef: no task of project ${project.code} has the external reference ${ref.system}:${ref.id}`, {
      field: 'taskRef',
      typename: 'Task',
      ...ref,
    });
  }
  return task.id;
}

/** What an imported entry's history says of it: where it came from, and the closed period it was let into. */
export function importNote(system: string, bypassedLock: boolean): string {
  return `imported from ${system}${bypassedLock ? '; dated in a closed period, let in by allowLockedPeriods' : ''}`;
}
