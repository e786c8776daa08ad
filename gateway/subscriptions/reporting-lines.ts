import type { Identity } from '../../lib/auth/identity.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { MAX_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import type { Logger } from '../../lib/logger.ts';
import { reportingLineEventTypes, type WorkerSnapshot } from '../../subgraphs/hcm/events.ts';
import type { GraphExecutor } from './feed.ts';

/** Who reads the lines the gateway has not heard of yet (any worker's manager). */
const readerIdentity: Identity = { workerId: null, roles: ['FINANCE'], service: 'gateway' };

/**
 * Each worker's direct manager as hcm last said, for the live fields' `managerId` filters: a manager subscribed to
 * their reports' entries is matched without a query per batch. Exact, not timed out: hcm publishes
 * `hcm.worker.created`/`.changed` with the worker's `managerId` on every write that sets it, the feed hears them in
 * hcm's publish order and sets the line from each, and a worker the gateway has not heard of is read from the graph
 * once. A line read while an event about the same worker arrived is discarded (the event is newer than what the read
 * may have seen). Every worker's line is read ahead, page by page, when the first subscriber filtering on a manager
 * subscribes (`loadEveryone`). One entry per worker: at most the firm's workers.
 */
export class ReportingLines {
  readonly #execute: GraphExecutor;
  readonly #logger: Logger;
  readonly #managers = new Map<string, string | null>();
  /** Reads in flight by worker, shared by every batch that waits for the same worker. */
  readonly #reading = new Map<string, Promise<void>>();
  /** Per read in flight, the workers heard of since it started: their read answers are stale. */
  readonly #heardDuringReads = new Set<Set<string>>();
  /** Workers read from the graph in batches so far (for tests and the log: how often the lines were not known). */
  reads = 0;
  /** The read of every worker's line (`loadEveryone`), once started. */
  #everyone: Promise<void> | null = null;

  constructor(execute: GraphExecutor, logger: Logger) {
    this.#execute = execute;
    this.#logger = logger;
  }

  /** The worker's direct manager (null: none), or undefined when the gateway does not know it yet. */
  managerOf(workerId: string): string | null | undefined {
    return this.#managers.get(workerId);
  }

  /** Whether every one of these workers' lines is known (then `managerOf` answers them without waiting). */
  knows(workerIds: Iterable<string>): boolean {
    for (const id of workerIds) if (!this.#managers.has(id)) return false;
    return true;
  }

  /** Sets the line from an hcm worker event (the worker as it is after the change). */
  hear(event: DomainEvent) {
    if (!reportingLineEventTypes.includes(event.type)) return;
    const worker = event.data as unknown as WorkerSnapshot;
    this.#managers.set(worker.workerId, worker.managerId ?? null);
    for (const heard of this.#heardDuringReads) heard.add(worker.workerId);
  }

  /**
   * Reads every worker's line, page by page, once (later calls return the first's promise): when the first subscriber
   * that filters on a manager subscribes, so the first changes of each worker do not wait for a read of their line. A
   * worker heard of while a page was read keeps what hcm said; a failed page leaves the rest to `load`.
   */
  loadEveryone(correlationId: string): Promise<void> {
    return (this.#everyone ??= this.#readEveryone(correlationId));
  }

  async #readEveryone(correlationId: string) {
    let after: string | null = null;
    do {
      const heard = new Set<string>();
      this.#heardDuringReads.add(heard);
      try {
        const { data, errors } = await this.#execute(
          `query LiveAllReportingLines($after: String) { workers(first: ${MAX_PAGE_SIZE}, after: $after) { nodes { id manager { id } } pageInfo { hasNextPage endCursor } } }`,
          { after },
          readerIdentity,
          correlationId,
        );
        if (errors?.length || !data) {
          this.#logger.error('live reporting lines could not be read ahead', { errors });
          return;
        }
        const page = data.workers as { nodes: { id: string; manager: { id: string } | null }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
        for (const node of page.nodes) if (!heard.has(node.id)) this.#managers.set(node.id, node.manager?.id ?? null);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } catch (error) {
        this.#logger.error('live reporting lines could not be read ahead', { error });
        return;
      } finally {
        this.#heardDuringReads.delete(heard);
      }
    } while (after !== null);
  }

  /** Reads the lines of the workers not known yet (one query per page of them); a failed read leaves them unknown. */
  async load(workerIds: Iterable<string>, correlationId: string): Promise<void> {
    const missing = [...new Set(workerIds)].filter((id) => !this.#managers.has(id));
    const waits = missing.flatMap((id) => (this.#reading.has(id) ? [this.#reading.get(id)!] : []));
    const unread = missing.filter((id) => !this.#reading.has(id));
    for (let at = 0; at < unread.length; at += MAX_PAGE_SIZE) {
      const page = unread.slice(at, at + MAX_PAGE_SIZE);
      const reading = this.#read(page, correlationId).finally(() => {
        for (const id of page) this.#reading.delete(id);
      });
      for (const id of page) this.#reading.set(id, reading);
      waits.push(reading);
    }
    await Promise.all(waits);
  }

  async #read(workerIds: string[], correlationId: string) {
    const heard = new Set<string>();
    this.#heardDuringReads.add(heard);
    try {
      this.reads += workerIds.length;
      const { data, errors } = await this.#execute(
        `query LiveReportingLines($ids: [ID!]!) { workers(filter: { ids: $ids }, first: ${MAX_PAGE_SIZE}) { nodes { id manager { id } } } }`,
        { ids: workerIds },
        readerIdentity,
        correlationId,
      );
      if (errors?.length || !data) {
        this.#logger.error('live reporting lines could not be read', { errors, workers: workerIds.length });
        return;
      }
      const managers = new Map((data.workers.nodes as { id: string; manager: { id: string } | null }[]).map((node) => [node.id, node.manager?.id ?? null]));
      // A worker the answer lacks does not exist (yet): no manager, until hcm's created event says otherwise.
      for (const id of workerIds) if (!heard.has(id)) this.#managers.set(id, managers.get(id) ?? null);
    } catch (error) {
      this.#logger.error('live reporting lines could not be read', { error, workers: workerIds.length });
    } finally {
      this.#heardDuringReads.delete(heard);
    }
  }
}
