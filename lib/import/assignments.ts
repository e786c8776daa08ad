import type { Catalog } from './catalog.ts';
import type { ImportGraph } from './graph.ts';
import { assignmentsOf, refKey, type AssignmentNode } from './lookups.ts';
import type { SourceRef, TimeRecord } from './records.ts';
import type { ReportBuilder } from './report.ts';
import { upsert, type UpsertError, type UpsertInput } from './upserts.ts';

/**
 * Time is captured only under an assignment covering its date (DESIGN §4.2), so an import gives each worker an
 * assignment on each project for the dates of their imported time that no assignment covers yet. A worker holds at
 * most one live assignment on a project on a day (psa), so the import never overlaps one: it stretches its own
 * assignment (keyed `<worker ref>@<project ref>@<first date>` in the source system) over the gap it lies in, or
 * starts a new one there. Dates already covered, by anyone's assignment, need nothing.
 */
export class AssignmentPlanner {
  readonly #byPair = new Map<string, AssignmentNode[]>();
  /** Dates whose assignment could not be made, by pair, with why: their rows are refused with it. */
  readonly failed = new Map<string, Map<string, UpsertError>>();
  #batch = 0;

  constructor(
    private readonly graph: ImportGraph,
    private readonly catalog: Catalog,
    private readonly options: { dryRun: boolean; runId: string; report: ReportBuilder },
  ) {}

  /** The key of a worker's time on a project. */
  static pairOf(record: TimeRecord) {
    return `${refKey(record.worker.ref)}\u0001${refKey(record.task.project.ref)}`;
  }

  /** Assignments' windows as psa holds them, for those this run stretched (in a dry run, only in memory). */
  readonly #stored = new WeakMap<AssignmentNode, { startDate: string; endDate: string }>();

  /**
   * Whether an assignment psa holds already covers the record's date: not one this run would create or stretch. A dry
   * run asks time to check only such rows (the others would be NOT_ASSIGNED until the run made their assignment).
   */
  assignedNow(record: TimeRecord): boolean {
    return (this.#byPair.get(AssignmentPlanner.pairOf(record)) ?? []).some((node) => {
      const window = this.#stored.get(node) ?? node;
      return node.id !== '' && window.startDate <= record.date && record.date <= window.endDate;
    });
  }

  async cover(records: readonly TimeRecord[]): Promise<void> {
    const datesByPair = new Map<string, { record: TimeRecord; dates: Set<string> }>();
    for (const record of records) {
      const pair = AssignmentPlanner.pairOf(record);
      const entry = datesByPair.get(pair) ?? { record, dates: new Set<string>() };
      entry.dates.add(record.date);
      datesByPair.set(pair, entry);
    }
    // Each assignment to write, with the window it gets and the chunk's dates that need it.
    const planned: Array<{ pair: string; ref: SourceRef; node: AssignmentNode; fields: Record<string, unknown> | null; dates: string[] }> = [];
    for (const [pair, { record, dates }] of datesByPair) {
      const worker = this.catalog.knownOf('worker', record.worker.ref);
      const project = this.catalog.knownOf('project', record.task.project.ref);
      if (!worker || !project || worker.error || project.error) continue;
      if (!worker.id || !project.id) {
        // A dry run's new worker or project: one assignment would be made for its time.
        if (!this.#byPair.has(pair)) this.options.report.entity('assignment', 'CREATED');
        this.#byPair.set(pair, []);
        continue;
      }
      let existing = this.#byPair.get(pair);
      if (!existing) this.#byPair.set(pair, (existing = await assignmentsOf(this.graph, worker.id, project.id)));
      const prefix = ownPrefix(record);
      const own = (node: AssignmentNode | undefined) =>
        node !== undefined && node.externalRefs.some((ref) => ref.system === record.worker.ref.system && ref.id.startsWith(prefix));
      for (const date of [...dates].sort()) {
        if (existing.some((node) => node.startDate <= date && date <= node.endDate)) continue;
        const before = existing.filter((node) => node.endDate < date).sort((a, b) => (a.endDate < b.endDate ? 1 : -1))[0];
        const after = existing.filter((node) => node.startDate > date).sort((a, b) => (a.startDate > b.startDate ? 1 : -1))[0];
        const stretch = own(before) ? before : own(after) ? after : null;
        if (stretch) {
          if (!this.#stored.has(stretch)) this.#stored.set(stretch, { startDate: stretch.startDate, endDate: stretch.endDate });
          if (date < stretch.startDate) stretch.startDate = date;
          else stretch.endDate = date;
          const plan = planned.find((item) => item.node === stretch);
          if (plan) plan.dates.push(date);
          else {
            const ref = stretch.externalRefs.find((held) => held.system === record.worker.ref.system && held.id.startsWith(prefix))!;
            planned.push({ pair, ref, node: stretch, fields: null, dates: [date] });
          }
          continue;
        }
        const ref: SourceRef = { system: record.worker.ref.system, id: `${prefix}${date}` };
        const node: AssignmentNode = { id: '', startDate: date, endDate: date, status: 'CONFIRMED', externalRefs: [ref] };
        existing.push(node);
        const fields = { projectId: project.id, workerId: worker.id, ...(worker.roleId ? { roleId: worker.roleId } : {}) };
        planned.push({ pair, ref, node, fields, dates: [date] });
      }
    }
    if (planned.length === 0) return;
    if (this.options.dryRun) {
      for (const plan of planned) this.options.report.entity('assignment', plan.fields ? 'CREATED' : 'UPDATED');
      return;
    }
    const sent: UpsertInput[] = planned.map(({ ref, node, fields }) => ({
      externalRef: ref,
      ...(fields ?? {}),
      startDate: node.startDate,
      endDate: node.endDate,
    }));
    this.#batch += 1;
    const results = await upsert(this.graph, 'assignment', sent, `import:${this.options.runId}:assignment:${this.#batch}`);
    results.forEach((result, index) => {
      const plan = planned[index];
      if (result.outcome === 'REFUSED' || !result.record) {
        const error = result.error ?? { code: 'INTERNAL_SERVER_ERROR', message: 'refused without a reason', field: null };
        const failed = this.failed.get(plan.pair) ?? new Map<string, UpsertError>();
        for (const date of plan.dates) failed.set(date, { ...error, message: `assignment: ${error.message}` });
        this.failed.set(plan.pair, failed);
        // Forget the planned window: the next chunk reads the pair's assignments again.
        this.#byPair.delete(plan.pair);
        this.options.report.entity('assignment', 'REFUSED');
        return;
      }
      plan.node.id = result.record.id;
      this.options.report.entity('assignment', result.outcome === 'CREATED' ? 'CREATED' : 'UPDATED');
    });
  }
}

const ownPrefix = (record: TimeRecord) => `${record.worker.ref.id}@${record.task.project.ref.id}@`;

