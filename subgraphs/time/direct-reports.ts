import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { reportingLineEventTypes, type WorkerSnapshot } from '../hcm/events.ts';

/**
 * Each manager's direct reports as hcm last said, for a MANAGER's visibility (access.ts): a manager's request reads
 * them from this process's memory instead of asking the graph (a whole gateway operation and an hcm call) each time.
 * The same way the gateway keeps its live reporting lines (gateway/subscriptions/reporting-lines.ts): exact, not timed
 * out. hcm publishes `hcm.worker.created`/`.changed` with the worker's `managerId` on every write that sets it; this
 * process hears them in hcm's publish order and moves the worker from its old manager's reports to the new one's. A
 * manager not known yet is read from the graph once (`read`), shared by the requests that wait for the same manager;
 * a read during which any reporting-line event was heard answers its request but is not kept (the event may be newer
 * than what the read saw). Held: the reports of each manager asked about, and the manager of each worker heard of or
 * listed: at most the firm's workers.
 *
 * The window: between hcm's commit and this process hearing its event (the bus's lag, milliseconds in process and
 * over Redis), a manager still sees their former report's time, and not yet their new report's.
 */
export class DirectReports {
  readonly #read: (managerIds: readonly string[]) => Promise<Map<string, string[]>>;
  /** Managers whose reports are known, each with them. */
  readonly #reportsOf = new Map<string, Set<string>>();
  /** A worker's manager, for every worker in a known manager's reports (and others heard of): where to move them from. */
  readonly #managerOf = new Map<string, string | null>();
  /** Reads in flight by manager, shared by every request that waits for the same manager. */
  readonly #reading = new Map<string, Promise<Map<string, string[]>>>();
  /**
   * Reporting-line events heard so far, and starts and ends of watching: a read that saw this number change while it
   * ran is not kept.
   */
  #heard = 0;
  /** Whether hcm's events reach this process (`watch`): until then nothing is kept, every request reads the graph. */
  #watching = false;

  constructor(read: (managerIds: readonly string[]) => Promise<Map<string, string[]>>) {
    this.#read = read;
  }

  /** Each manager's direct reports: from memory, or from the graph for those not known yet. */
  async directReports(managerIds: readonly string[]): Promise<Map<string, string[]>> {
    const ids = [...new Set(managerIds)];
    const missing = ids.filter((id) => !this.#reportsOf.has(id));
    const answers = new Map<string, string[]>();
    if (missing.length > 0) {
      const waits = new Map<Promise<Map<string, string[]>>, string[]>();
      const unread = missing.filter((id) => {
        const reading = this.#reading.get(id);
        if (reading) waits.set(reading, [...(waits.get(reading) ?? []), id]);
        return !reading;
      });
      if (unread.length > 0) {
        const reading = this.#readAndKeep(unread).finally(() => {
          for (const id of unread) if (this.#reading.get(id) === reading) this.#reading.delete(id);
        });
        for (const id of unread) this.#reading.set(id, reading);
        waits.set(reading, unread);
      }
      for (const [reading, managers] of waits) {
        const read = await reading;
        for (const id of managers) answers.set(id, read.get(id) ?? []);
      }
    }
    for (const id of ids) if (!answers.has(id)) answers.set(id, [...this.#reportsOf.get(id)!]);
    return answers;
  }

  /** Sets the line from an hcm worker event (the worker as it is after the change). */
  hear(event: DomainEvent) {
    if (!reportingLineEventTypes.includes(event.type)) return;
    const { workerId, managerId = null } = event.data as unknown as WorkerSnapshot;
    this.#heard++;
    const before = this.#managerOf.get(workerId);
    if (before) this.#reportsOf.get(before)?.delete(workerId);
    this.#managerOf.set(workerId, managerId);
    if (managerId) this.#reportsOf.get(managerId)?.add(workerId);
  }

  /**
   * Hears hcm's worker events from now on, in a consumer group of this process's own (each process keeps its own
   * lines; a group shared by two would split the events between them): removed when the subscription closes.
   */
  async watch(bus: EventBus): Promise<Subscription> {
    const subscription = await bus.subscribe({
      group: `time.reporting-lines.${hostname()}.${randomUUID()}`,
      types: reportingLineEventTypes,
      startAt: 'end',
      ephemeral: true,
      handler: async (event) => this.hear(event),
    });
    this.#watching = true;
    this.#heard++;
    return {
      close: async () => {
        this.#watching = false;
        this.#heard++;
        this.#reportsOf.clear();
        this.#managerOf.clear();
        await subscription.close();
      },
    };
  }

  async #readAndKeep(managerIds: string[]): Promise<Map<string, string[]>> {
    const heardBefore = this.#heard;
    const read = await this.#read(managerIds);
    if (!this.#watching || this.#heard !== heardBefore) return read;
    for (const managerId of managerIds) {
      if (this.#reportsOf.has(managerId)) continue;
      const reports = new Set(read.get(managerId) ?? []);
      // A report listed under another manager here moved since that manager was read, and its event is still on the
      // way: hcm now says this manager, so it leaves the other's reports (the event, when it comes, agrees).
      for (const workerId of reports) {
        const before = this.#managerOf.get(workerId);
        if (before && before !== managerId) this.#reportsOf.get(before)?.delete(workerId);
        this.#managerOf.set(workerId, managerId);
      }
      this.#reportsOf.set(managerId, reports);
    }
    return read;
  }
}
