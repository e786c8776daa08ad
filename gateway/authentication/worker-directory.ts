import type { WorkerMatch } from '../../lib/config.ts';
import type { GraphClient } from '../../lib/graph-client.ts';

/** A worker as sign-in needs it: who, and whether they still work here. */
export interface DirectoryWorker {
  readonly id: string;
  readonly status: 'ACTIVE' | 'INACTIVE';
}

/** The workers a claim value names: none, one, or (an email two workers share) several. */
export type DirectoryAnswer = readonly DirectoryWorker[];

export interface WorkerDirectory {
  find(match: WorkerMatch, value: string): Promise<DirectoryAnswer>;
}

export interface WorkerDirectoryOptions {
  /** How long an answer is reused, found or not. Default 60 s: a new hire or a fixed email counts within a minute. */
  readonly ttlMs?: number;
  /** Answers kept at most; the least recently used goes first. Default 10,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

const filterOf = (match: WorkerMatch, value: string) =>
  match === 'id' ? { ids: [value] } : match === 'email' ? { email: value } : { employeeNumber: value };

const workersQuery = `query($filter: WorkerFilter!) { workers(filter: $filter, first: 2) { nodes { id status } } }`;

/**
 * hcm's workers by the value of a sign-in claim, asked of hcm as the gateway and remembered briefly: a token is
 * verified on every request, its worker is looked up once a minute at most, and requests that arrive together for
 * the same value share one lookup. A lookup that fails is not remembered.
 */
export function workerDirectory(graph: GraphClient, options: WorkerDirectoryOptions = {}): WorkerDirectory {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const answers = new Map<string, { readonly until: number; readonly answer: Promise<DirectoryAnswer> }>();

  return {
    find(match, value) {
      // Emails are matched ignoring case, so they are remembered that way too.
      const key = `${match}:${match === 'email' ? value.toLowerCase() : value}`;
      const held = answers.get(key);
      answers.delete(key);
      if (held && held.until > now()) {
        answers.set(key, held);
        return held.answer;
      }
      const answer = graph
        .query<{ workers: { nodes: DirectoryWorker[] } }>(workersQuery, { filter: filterOf(match, value) })
        .then(({ workers }) => workers.nodes);
      answers.set(key, { until: now() + ttlMs, answer });
      answer.catch(() => answers.get(key)?.answer === answer && answers.delete(key));
      // Map keeps insertion order, and a hit re-inserts its entry: the first is the least recently used.
      if (answers.size > maxEntries) answers.delete(answers.keys().next().value!);
      return answer;
    },
  };
}
