/** What happened to one row: CREATED, UPDATED, MATCHED (it was there already, unchanged), SKIPPED or REFUSED. */
export type RowOutcome = 'CREATED' | 'UPDATED' | 'MATCHED' | 'SKIPPED' | 'REFUSED';

export interface RowResult {
  /** The file line the row ends on (the header is line 1). */
  readonly line: number;
  readonly outcome: RowOutcome;
  /** What the row imports: timeEntry, customer, worker, role, project, task, assignment. */
  readonly entity: string;
  readonly externalSystem: string | null;
  readonly externalId: string | null;
  /** The record's id in psgraph (null when refused, skipped, or to be created by a dry run). */
  readonly recordId: string | null;
  /** Why, for a refused or skipped row: the graph's error code (a capture rule's, BAD_USER_INPUT for a bad cell). */
  readonly code: string | null;
  readonly message: string | null;
  readonly field: string | null;
}

export interface OutcomeCounts {
  created: number;
  updated: number;
  matched: number;
  skipped: number;
  refused: number;
}

export interface ImportReport {
  readonly source: string;
  readonly dryRun: boolean;
  readonly timeStatus: 'DRAFT' | 'APPROVED';
  readonly totals: OutcomeCounts & { rows: number };
  /** The records the rows named (customers, workers, …), each counted once: created, matched (by reference or by name), refused. */
  readonly entities: ReadonlyArray<OutcomeCounts & { entity: string }>;
  /** The rows' results: all of them up to `keptRows`, then only refused and skipped ones up to that many again. */
  readonly rows: readonly RowResult[];
  /** Row results left out of `rows` (the totals count them; the CLI's --report file has every row). */
  readonly omittedRows: number;
  readonly durationMs: number;
}

const zero = (): OutcomeCounts => ({ created: 0, updated: 0, matched: 0, skipped: 0, refused: 0 });
const countKey = { CREATED: 'created', UPDATED: 'updated', MATCHED: 'matched', SKIPPED: 'skipped', REFUSED: 'refused' } as const;

/**
 * Collects a run's results in bounded memory: counts for everything, the results themselves only up to a limit, and
 * every row to `onRow` (the CLI's report file) as it is decided.
 */
export class ReportBuilder {
  readonly #totals = { rows: 0, ...zero() };
  readonly #entities = new Map<string, OutcomeCounts>();
  readonly #rows: RowResult[] = [];
  #problems = 0;
  #omitted = 0;
  readonly #started = performance.now();

  constructor(
    private readonly options: {
      source: string;
      dryRun: boolean;
      timeStatus: 'DRAFT' | 'APPROVED';
      keptRows?: number;
      onRow?: (row: RowResult) => void;
    },
  ) {}

  row(result: RowResult): void {
    this.#totals.rows += 1;
    this.#totals[countKey[result.outcome]] += 1;
    const kept = this.options.keptRows ?? 1000;
    const problem = result.outcome === 'REFUSED' || result.outcome === 'SKIPPED';
    if (this.#rows.length < kept) this.#rows.push(result);
    else if (problem && this.#problems < kept) {
      this.#rows.push(result);
      this.#problems += 1;
    } else this.#omitted += 1;
    this.options.onRow?.(result);
  }

  entity(entity: string, outcome: RowOutcome): void {
    let counts = this.#entities.get(entity);
    if (!counts) this.#entities.set(entity, (counts = zero()));
    counts[countKey[outcome]] += 1;
  }

  get rowsSoFar(): number {
    return this.#totals.rows;
  }

  finish(): ImportReport {
    const order = ['customer', 'role', 'worker', 'project', 'task', 'assignment', 'timeEntry'];
    const entities = [...this.#entities]
      .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
      .map(([entity, counts]) => ({ entity, ...counts }));
    return {
      source: this.options.source,
      dryRun: this.options.dryRun,
      timeStatus: this.options.timeStatus,
      totals: { ...this.#totals },
      entities,
      rows: this.#rows,
      omittedRows: this.#omitted,
      durationMs: Math.round(performance.now() - this.#started),
    };
  }
}
