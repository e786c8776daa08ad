import { LatencySamples } from './latency.ts';
import type { Submitter } from './submitters.ts';

type GraphCall = (identity: Submitter['worker'], query: string, variables: Record<string, unknown>) => Promise<any>;

export interface SteadyLoggingOptions {
  readonly call: GraphCall;
  readonly submitters: readonly Submitter[];
  /** The date the entries are logged on (today: the submitters' assignments cover it). */
  readonly date: string;
  /** Entries each worker logs per second. */
  readonly perWorkerPerSecond: number;
  /** After this many logged entries a worker submits them (`submitTimeEntries`). */
  readonly submitEvery: number;
  /** Distinguishes this run's idempotency keys and notes from another's on the same database. */
  readonly label: string;
}

/**
 * Workers logging time at a steady rate, as the mobile app does: each worker sends `logTimeEntry` on a fixed schedule
 * whether or not its previous one has answered (a phone does not wait for the server to be quick), and every
 * `submitEvery` entries submits them. Runs until `stop()` resolves it; returns both kinds' latencies and failures.
 */
export function steadyLogging(options: SteadyLoggingOptions) {
  const log = new LatencySamples();
  const submit = new LatencySamples();
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.perWorkerPerSecond;
  let stopped = false;
  let sequence = 0;
  const track = (request: Promise<void>) => {
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  const worker = async (submitter: Submitter, offsetMs: number) => {
    const logged: string[] = [];
    let next = performance.now() + offsetMs;
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      if (stopped) break;
      next += intervalMs;
      const key = `${options.label}-${sequence++}`;
      track(
        log.time(async () => {
          const data = await options.call(
            submitter.worker,
            `mutation($input: LogTimeEntryInput!, $key: String) { logTimeEntry(input: $input, idempotencyKey: $key) { id } }`,
            { input: { projectId: submitter.assignment.projectId, taskId: submitter.taskId, date: options.date, hours: '0.01', notes: key }, key },
          );
          logged.push(data.logTimeEntry.id);
          if (logged.length < options.submitEvery) return;
          const ids = logged.splice(0);
          track(submit.time(() => options.call(submitter.worker, `mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids })));
        }),
      );
    }
  };

  // Spread over one interval, so the workers' requests arrive evenly rather than in bursts.
  const running = options.submitters.map((submitter, index) => worker(submitter, (index * intervalMs) / options.submitters.length));
  return {
    log,
    submit,
    /** Stops scheduling and waits for every request sent to answer. */
    async stop() {
      stopped = true;
      await Promise.all(running);
      while (inFlight.size) await Promise.all([...inFlight]);
      return { log, submit };
    },
  };
}
