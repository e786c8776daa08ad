import { createHash } from 'node:crypto';
import type { ImportDefaults } from './defaults.ts';
import type { ImportGraph } from './graph.ts';
import {
  findByRefs,
  findWhere,
  holds,
  readFirm,
  refKey,
  sameName,
  tasksOf,
  type Firm,
  type RefHolder,
  type TaskNode,
} from './lookups.ts';
import type { CustomerRecord, ProjectRecord, RoleRecord, SourceRef, TaskRecord, WorkerRecord } from './records.ts';
import type { ReportBuilder, RowOutcome } from './report.ts';
import { upsert, type UpsertError, type UpsertInput, type UpsertedEntity } from './upserts.ts';

/** What the import knows of a record a row names: its id (null: refused, or to be created by a dry run) or why not. */
export interface Known {
  id: string | null;
  error: UpsertError | null;
  /** A worker's role; a project's or worker's first date (hire date, start date), to move it earlier if needed. */
  roleId?: string | null;
  firstDate?: string | null;
  /** Created by this run: its first date may still move earlier as earlier rows come. */
  createdNow?: boolean;
  /** What its latest resolution did (a generic row's result). */
  outcome?: RowOutcome;
}

const isRefusal = (value: Record<string, unknown> | Known): value is Known & { error: UpsertError } =>
  'error' in value && value.error !== null && typeof value.error === 'object';

/** One record to resolve, with what the rows of this chunk say of it. */
export interface Wanted<R> {
  record: R;
  /** A row of the generic file for this entity: its fields are upserted even when the record exists. */
  explicit: boolean;
  /** The earliest date the chunk's rows have for it (time rows). */
  firstDate: string | null;
}

const refused = (code: string, message: string, field: string | null = null): Known => ({ id: null, error: { code, message, field } });

/**
 * Every record an import names, found or created once and remembered for the rest of the file (memory grows with the
 * number of distinct records, never with rows): customers, roles, workers, projects, tasks. A record is looked for by
 * its external reference first, then by name, code or email (and then given the reference through the upsert's `id`),
 * and created only when neither finds it. A dry run does the finding and counts what it would create.
 */
export class Catalog {
  readonly known: Record<'customer' | 'role' | 'worker' | 'project' | 'task', Map<string, Known>> = {
    customer: new Map(),
    role: new Map(),
    worker: new Map(),
    project: new Map(),
    task: new Map(),
  };
  readonly #tasksByProject = new Map<string, TaskNode[]>();
  #firm: Firm | null = null;
  #batch = 0;

  constructor(
    private readonly graph: ImportGraph,
    private readonly options: { dryRun: boolean; defaults: ImportDefaults; runId: string; report: ReportBuilder },
  ) {}

  knownOf(entity: keyof Catalog['known'], ref: SourceRef): Known | undefined {
    return this.known[entity].get(refKey(ref));
  }

  /** Firm-wide records (legal entities, cost centers, calendars, roles), read once when first needed. */
  async firm(): Promise<Firm> {
    this.#firm ??= await readFirm(this.graph);
    return this.#firm;
  }

  #key(entity: UpsertedEntity) {
    this.#batch += 1;
    return `import:${this.options.runId}:${entity}:${this.#batch}`;
  }

  #count(entity: string, outcome: RowOutcome) {
    this.options.report.entity(entity, outcome);
  }

  /**
   * The common path: the records not known yet (or given explicitly) are looked up, then created, given their
   * reference, or patched through one bulk upsert; each ends up in `known`.
   */
  async #resolve<R extends { ref: SourceRef; refOnly?: boolean }, N extends RefHolder>(
    entity: keyof Catalog['known'],
    wanted: ReadonlyArray<Wanted<R>>,
    spec: {
      byRefs: (refs: SourceRef[]) => Promise<N[]>;
      /** The record matched by name, code or email; 'ambiguous' when several match. */
      byNaturalKey: (record: R) => Promise<N | 'ambiguous' | null>;
      describe: (record: R) => string;
      /** The fields a new record needs, or why it cannot be made. */
      create: (item: Wanted<R>) => Promise<Record<string, unknown> | Known>;
      /** The fields an explicit row sets on an existing record. */
      patch?: (item: Wanted<R>) => Promise<Record<string, unknown> | Known>;
      knownOf: (node: N | null, item: Wanted<R>) => Partial<Known>;
      fromResult?: (record: Record<string, unknown>) => Partial<Known>;
    },
  ): Promise<void> {
    const map = this.known[entity];
    const unique = new Map<string, Wanted<R>>();
    for (const item of wanted) {
      const key = refKey(item.record.ref);
      if (map.has(key) && !item.explicit) continue;
      const earlier = unique.get(key);
      if (!earlier) unique.set(key, item);
      else if (item.firstDate && (!earlier.firstDate || item.firstDate < earlier.firstDate)) {
        unique.set(key, { ...earlier, firstDate: item.firstDate });
      }
    }
    if (unique.size === 0) return;
    const items = [...unique.values()];
    const found = await spec.byRefs(items.map((item) => item.record.ref));
    const inputs: UpsertInput[] = [];
    const pending: Array<{ item: Wanted<R>; node: N | null; attaching: boolean }> = [];
    for (const item of items) {
      const { record } = item;
      const key = refKey(record.ref);
      const label = spec.describe(record);
      let node: N | null = found.find((candidate) => holds(candidate, record.ref)) ?? null;
      const byRef = node !== null;
      if (!node && record.refOnly) {
        map.set(key, refused('NOT_FOUND', `no ${entity} holds the reference ${record.ref.system} ${record.ref.id}: import it first`));
        this.#count(entity, 'REFUSED');
        continue;
      }
      if (byRef && (record.refOnly || !item.explicit)) {
        map.set(key, { id: node!.id, error: null, ...spec.knownOf(node, item), outcome: 'MATCHED' });
        this.#count(entity, 'MATCHED');
        continue;
      }
      if (!node) {
        const match = await spec.byNaturalKey(record);
        if (match === 'ambiguous') {
          const reference = `${record.ref.system} ${record.ref.id}`;
          map.set(key, refused('CONFLICT', `more than one ${entity} matches ${label}: give one of them the reference ${reference}`));
          this.#count(entity, 'REFUSED');
          continue;
        }
        node = match;
      }
      let fields: Record<string, unknown> | Known = {};
      if (!node) fields = await spec.create(item);
      else if (item.explicit && spec.patch) fields = await spec.patch(item);
      if (isRefusal(fields)) {
        map.set(key, { id: null, error: { ...fields.error, message: `${label}: ${fields.error.message}` } });
        this.#count(entity, 'REFUSED');
        continue;
      }
      if (this.options.dryRun) {
        map.set(key, { id: node?.id ?? null, error: null, ...spec.knownOf(node, item), outcome: node ? 'MATCHED' : 'CREATED' });
        this.#count(entity, node ? 'MATCHED' : 'CREATED');
        continue;
      }
      const attaching = node !== null && !byRef;
      inputs.push({ externalRef: record.ref, ...(attaching ? { id: node!.id } : {}), ...fields });
      pending.push({ item, node, attaching });
    }
    if (inputs.length === 0) return;
    const results = await upsert(this.graph, entity, inputs, this.#key(entity));
    for (const [index, { item, node, attaching }] of pending.entries()) {
      const result = results[index];
      const key = refKey(item.record.ref);
      if (result.outcome === 'REFUSED' || !result.record) {
        const error = result.error ?? { code: 'INTERNAL_SERVER_ERROR', message: 'refused without a reason', field: null };
        map.set(key, { id: null, error: { ...error, message: `${spec.describe(item.record)}: ${error.message}` } });
        this.#count(entity, 'REFUSED');
        continue;
      }
      const created = result.outcome === 'CREATED';
      // A record given the reference by name counts as matched; an explicit row's patch as updated.
      const outcome: RowOutcome = created ? 'CREATED' : result.outcome === 'UPDATED' && !attaching ? 'UPDATED' : 'MATCHED';
      map.set(key, {
        id: result.record.id,
        error: null,
        ...spec.knownOf(node, item),
        ...(spec.fromResult?.(result.record) ?? {}),
        createdNow: created,
        outcome,
      });
      this.#count(entity, outcome);
    }
  }

  async customers(wanted: ReadonlyArray<Wanted<CustomerRecord>>): Promise<void> {
    const { currency } = this.options.defaults;
    await this.#resolve('customer', wanted, {
      byRefs: (refs) => findByRefs(this.graph, 'customers', refs),
      byNaturalKey: async (record) =>
        single(await findWhere(this.graph, 'customers', { search: record.code ?? record.name }), (node) =>
          record.code ? sameName(node.code, record.code) : sameName(node.name, record.name),
        ),
      describe: (record) => `customer ${record.name || record.ref.id}`,
      create: async ({ record }) => ({ name: record.name, code: record.code ?? codeOf(record.name, 20), currency: record.currency ?? currency }),
      patch: async ({ record }) => ({ name: record.name }),
      knownOf: () => ({}),
    });
  }

  async roles(wanted: ReadonlyArray<Wanted<RoleRecord>>): Promise<void> {
    const firm = await this.firm();
    const target = this.options.defaults.roleTargetUtilization ?? '80.00';
    await this.#resolve('role', wanted, {
      byRefs: async (refs) => firm.roles.filter((role) => refs.some((ref) => holds(role, ref))),
      byNaturalKey: async (record) =>
        single(firm.roles, (role) =>
          record.code ? sameName(role.code, record.code) : sameName(role.name, record.name) || sameName(role.code, record.name),
        ),
      describe: (record) => `role ${record.name || record.ref.id}`,
      create: async ({ record }) => ({
        name: record.name,
        code: record.code ?? codeOf(record.name, 40).replaceAll('-', '_'),
        targetUtilization: target,
      }),
      patch: async ({ record }) => ({ name: record.name }),
      knownOf: () => ({}),
    });
  }

  /** The role a worker gets: the file's (resolved by roles() before), else defaults.role. */
  async #roleIdFor(record: WorkerRecord): Promise<string | null | Known> {
    if (record.role) {
      const known = this.knownOf('role', record.role.ref);
      if (known?.error) return { id: null, error: known.error };
      return known?.id ?? null;
    }
    const named = this.options.defaults.role;
    if (!named) return refused('BAD_USER_INPUT', 'the file names no role: give defaults.role in the mapping file', 'roleId');
    const role = (await this.firm()).roles.find(
      (candidate) => sameName(candidate.code, named) || sameName(candidate.name, named) || candidate.id === named,
    );
    return role?.id ?? refused('NOT_FOUND', `defaults.role "${named}" names no role`, 'roleId');
  }

  async workers(wanted: ReadonlyArray<Wanted<WorkerRecord>>): Promise<void> {
    const { defaults } = this.options;
    await this.#resolve('worker', wanted, {
      byRefs: (refs) => findByRefs(this.graph, 'workers', refs),
      byNaturalKey: async (record) => {
        if (record.email) {
          const byEmail = await findWhere(this.graph, 'workers', { email: record.email });
          if (byEmail.length > 0) return single(byEmail, () => true);
        }
        if (record.employeeNumber) {
          const byNumber = await findWhere(this.graph, 'workers', { employeeNumber: record.employeeNumber });
          if (byNumber.length > 0) return single(byNumber, () => true);
        }
        return single(await findWhere(this.graph, 'workers', { search: record.name }), (node) => sameName(node.name, record.name));
      },
      describe: (record) => `worker ${record.name || record.ref.id}`,
      create: async ({ record, firstDate }) => {
        const roleId = await this.#roleIdFor(record);
        if (roleId !== null && typeof roleId === 'object') return roleId;
        const placement = await this.#placement();
        if ('error' in placement) return placement;
        const email = record.email ?? (defaults.emailDomain ? emailOf(record.name, defaults.emailDomain) : null);
        if (!email) return refused('BAD_USER_INPUT', 'the file gives no email: give defaults.emailDomain in the mapping file', 'email');
        return {
          name: record.name,
          email,
          employeeNumber: record.employeeNumber ?? `${record.ref.system.toUpperCase()}-${hashOf(record.ref.id, 8)}`,
          kind: record.kind ?? defaults.workerKind ?? 'EMPLOYEE',
          ...(roleId ? { roleId } : {}),
          ...placement,
          hireDate: defaults.hireDate ?? firstDate,
        };
      },
      patch: async ({ record }) => {
        const roleId = record.role ? await this.#roleIdFor(record) : null;
        if (roleId !== null && typeof roleId === 'object') return roleId;
        return {
          name: record.name,
          ...(record.email ? { email: record.email } : {}),
          ...(record.kind ? { kind: record.kind } : {}),
          ...(roleId ? { roleId } : {}),
        };
      },
      knownOf: (node, item) => ({ roleId: node?.role.id ?? null, firstDate: node?.hireDate ?? defaults.hireDate ?? item.firstDate }),
      fromResult: (record) => ({
        roleId: (record.role as { id: string } | undefined)?.id ?? null,
        firstDate: (record.hireDate as string) ?? null,
      }),
    });
  }

  /** Where new workers go: defaults, or the firm's only legal entity / cost center / calendar. */
  async #placement(): Promise<{ legalEntityId: string; costCenterId: string; calendarId: string; location: string } | Known> {
    const firm = await this.firm();
    const { defaults } = this.options;
    const codeOrName = (item: { code?: string; name: string }, name: string) => sameName(item.code, name) || sameName(item.name, name);
    const pick = <T extends { id: string; code?: string; name: string }>(items: T[], named: string | undefined, field: string) => {
      if (named) {
        const found = items.find((item) => item.id === named || codeOrName(item, named));
        return found ?? refused('NOT_FOUND', `defaults.${field} "${named}" names none`, field);
      }
      if (items.length === 1) return items[0];
      return refused('BAD_USER_INPUT', `the firm has ${items.length} to choose from: give defaults.${field} in the mapping file`, field);
    };
    const legalEntity = pick(firm.legalEntities, defaults.legalEntity, 'legalEntity');
    if ('error' in legalEntity) return legalEntity;
    const centers = firm.costCenters.filter((center) => center.legalEntity.id === legalEntity.id);
    const costCenter = pick(defaults.costCenter ? firm.costCenters : centers, defaults.costCenter, 'costCenter');
    if ('error' in costCenter) return costCenter;
    const calendar = pick(firm.calendars, defaults.calendar, 'calendar');
    if ('error' in calendar) return calendar;
    return { legalEntityId: legalEntity.id, costCenterId: costCenter.id, calendarId: calendar.id, location: defaults.location ?? 'Unknown' };
  }

  async projects(wanted: ReadonlyArray<Wanted<ProjectRecord>>): Promise<void> {
    const { defaults } = this.options;
    const customerOf = (record: ProjectRecord) => this.knownOf('customer', record.customer.ref);
    await this.#resolve('project', wanted, {
      byRefs: (refs) => findByRefs(this.graph, 'projects', refs),
      byNaturalKey: async (record) => {
        if (record.code) {
          const byCode = single(await findWhere(this.graph, 'projects', { search: record.code }), (node) => sameName(node.code, record.code));
          if (byCode) return byCode;
        }
        const customerId = customerOf(record)?.id;
        if (!customerId) return null;
        return single(await findWhere(this.graph, 'projects', { customerId, search: record.name }), (node) => sameName(node.name, record.name));
      },
      describe: (record) => `project ${record.code ?? record.name}`,
      create: async ({ record, firstDate }) => {
        const customer = customerOf(record);
        if (customer?.error) return { id: null, error: customer.error };
        return {
          code: record.code ?? codeOf(record.name, 20),
          name: record.name,
          customerId: customer?.id,
          startDate: record.startDate ?? defaults.projectStartDate ?? firstDate,
          ...(record.endDate ? { endDate: record.endDate } : {}),
        };
      },
      patch: async ({ record }) => ({
        name: record.name,
        ...(record.startDate ? { startDate: record.startDate } : {}),
        ...(record.endDate ? { endDate: record.endDate } : {}),
      }),
      knownOf: (node, item) => ({ firstDate: node?.startDate ?? defaults.projectStartDate ?? item.firstDate }),
      fromResult: (record) => ({ firstDate: (record.startDate as string) ?? null }),
    });
  }

  /** A project's tasks, read once (and kept up to date as the import adds some). */
  async #tasks(projectId: string): Promise<TaskNode[]> {
    let tasks = this.#tasksByProject.get(projectId);
    if (!tasks) this.#tasksByProject.set(projectId, (tasks = await tasksOf(this.graph, projectId)));
    return tasks;
  }

  async tasks(wanted: ReadonlyArray<Wanted<TaskRecord>>): Promise<void> {
    const projectIdOf = (record: TaskRecord) => this.knownOf('project', record.project.ref)?.id ?? null;
    // Numbers given to new tasks in this batch, per project, before the upsert writes them.
    const nextWbs = new Map<string, number>();
    await this.#resolve('task', wanted, {
      byRefs: async (refs) => {
        const projectIds = new Set(wanted.map(({ record }) => projectIdOf(record)).filter((id): id is string => id !== null));
        const tasks = (await Promise.all([...projectIds].map((id) => this.#tasks(id)))).flat();
        return tasks.filter((task) => refs.some((ref) => holds(task, ref)));
      },
      byNaturalKey: async (record) => {
        const projectId = projectIdOf(record);
        return projectId ? single(await this.#tasks(projectId), (task) => sameName(task.name, record.name)) : null;
      },
      describe: (record) => `task ${record.name || record.ref.id}`,
      create: async ({ record }) => {
        const project = this.knownOf('project', record.project.ref);
        if (project?.error) return { id: null, error: project.error };
        if (!project?.id) return { billable: record.billable ?? true };
        let next = nextWbs.get(project.id);
        if (next === undefined) {
          const tops = (await this.#tasks(project.id)).map((task) => Number(task.wbs.split('.')[0]));
          next = Math.max(0, ...tops) + 1;
        }
        nextWbs.set(project.id, next + 1);
        return { projectId: project.id, wbs: String(next), name: record.name, billable: record.billable ?? true };
      },
      patch: async ({ record }) => ({ name: record.name, ...(record.billable === null ? {} : { billable: record.billable }) }),
      knownOf: () => ({}),
    });
    // New tasks join their project's list, so the next chunk finds them by reference without reading it again.
    for (const { record } of wanted) {
      const projectId = projectIdOf(record);
      const known = this.knownOf('task', record.ref);
      if (!projectId || !known?.id) continue;
      const tasks = await this.#tasks(projectId);
      if (!tasks.some((task) => task.id === known.id)) tasks.push({ id: known.id, name: record.name, wbs: '0', externalRefs: [record.ref] });
    }
  }

  /**
   * Moves the first date (hire date, project start) of records this run created earlier, when a later chunk has
   * rows before it (a file not sorted by date): records found in the graph keep theirs, and such rows are refused.
   */
  async moveFirstDates(entity: 'worker' | 'project', earliest: ReadonlyMap<string, { ref: SourceRef; date: string }>): Promise<void> {
    const inputs: UpsertInput[] = [];
    const keys: string[] = [];
    for (const [key, { ref, date }] of earliest) {
      const known = this.known[entity].get(key);
      if (!known?.createdNow || !known.firstDate || date >= known.firstDate) continue;
      inputs.push({ externalRef: ref, ...(entity === 'worker' ? { hireDate: date } : { startDate: date }) });
      keys.push(key);
      known.firstDate = date;
    }
    if (inputs.length === 0 || this.options.dryRun) return;
    const results = await upsert(this.graph, entity, inputs, this.#key(entity));
    results.forEach((result, index) => {
      if (result.outcome === 'REFUSED') this.known[entity].get(keys[index])!.firstDate = null;
    });
  }
}

/** The one node matching, null for none, 'ambiguous' for several. */
function single<N>(nodes: readonly N[], matches: (node: N) => boolean): N | 'ambiguous' | null {
  const matching = nodes.filter(matches);
  return matching.length === 1 ? matching[0] : matching.length > 1 ? 'ambiguous' : null;
}

/** A code from a name: "Garage Leroy & Fils" → "GARAGE-LEROY-FILS", at most `length` characters. */
export const codeOf = (name: string, length: number) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, length)
    .replace(/-+$/, '') || `X${hashOf(name, 6).toUpperCase()}`;

const emailOf = (name: string, domain: string) => {
  const local = codeOf(name, 60).toLowerCase().replaceAll('-', '.');
  return `${local}@${domain}`;
};

const hashOf = (value: string, length: number) => createHash('sha256').update(value).digest('hex').slice(0, length);
