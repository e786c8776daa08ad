/**
 * Where one consumer group stands with each producer: the next sequence it expects from a source (the outbox relay
 * numbers each source's events 1, 2, 3, … as it publishes them, `DomainEvent.sequence`). Pure bookkeeping, no I/O:
 * the bus decides what to do with each verdict.
 *
 * - `handle`: the expected event (or one without a sequence, or the first ever seen of a source): run the handler,
 *   then `handled`.
 * - `duplicate`: already handled (a replay, a redelivery): acknowledge without running the handler.
 * - `gap`: events before it never arrived (Redis lost them, or trimmed the stream past them). It is acknowledged but
 *   not handled: the replay asked for, from `next`, brings it again after the missing ones, in order.
 */
export type Verdict = 'handle' | 'duplicate' | 'gap';

export interface ReplayRequest {
  readonly source: string;
  /** The first sequence wanted again. */
  readonly from: number;
}

interface SourceState {
  /** The next sequence expected; undefined until the first event of a source that nobody asked a replay of. */
  next: number | undefined;
  /** The highest sequence seen past a gap: the gap is closed once `next` is beyond it. */
  gapUpTo: number | null;
  /** When the open replay request was sent (ms), to repeat it if nothing arrives. */
  requestedAt: number | null;
}

export class SequenceTracker {
  readonly #sources = new Map<string, SourceState>();
  /** Sources whose `next` moved since the last `takeChanged`, to be saved. */
  readonly #changed = new Set<string>();
  readonly #retryMs: number;

  /** `retryMs`: how long a replay request may go unanswered before it is sent again. */
  constructor(retryMs = 10_000) {
    this.#retryMs = retryMs;
  }

  /** Starts from saved checkpoints (source → next expected). */
  restore(checkpoints: ReadonlyMap<string, number>) {
    for (const [source, next] of checkpoints) this.#sources.set(source, { next, gapUpTo: null, requestedAt: null });
  }

  verdict(source: string, sequence: number | undefined): Verdict {
    if (sequence === undefined) return 'handle';
    const state = this.#sources.get(source);
    if (state?.next === undefined || sequence === state.next) return 'handle';
    if (sequence < state.next) return 'duplicate';
    state.gapUpTo = Math.max(state.gapUpTo ?? 0, sequence);
    return 'gap';
  }

  /**
   * How many of `events` (in stream order), from the first, would each get `handle` after those before it were
   * handled: a run a bus may hand to a batch handler before marking each `handled`. Changes nothing.
   */
  expectedRun(events: ReadonlyArray<{ readonly source: string; readonly sequence?: number }>): number {
    const ahead = new Map<string, number>();
    for (let index = 0; index < events.length; index++) {
      const { source, sequence } = events[index];
      if (sequence === undefined) continue;
      const next = ahead.has(source) ? ahead.get(source) : this.#sources.get(source)?.next;
      if (next !== undefined && sequence !== next) return index;
      ahead.set(source, sequence + 1);
    }
    return events.length;
  }

  /** The event of a `handle` verdict was handled (or skipped by type): expect the one after it. */
  handled(source: string, sequence: number | undefined) {
    if (sequence === undefined) return;
    const state = this.#state(source);
    if (state.next !== undefined && sequence < state.next) return;
    state.next = sequence + 1;
    if (state.gapUpTo !== null && state.next > state.gapUpTo) {
      state.gapUpTo = null;
      state.requestedAt = null;
    }
    this.#changed.add(source);
  }

  /**
   * The stream lost events this group had not read (its group or the stream vanished): every source in `sources`
   * must be replayed from where the group stands; a source never seen from its first retained event (only when
   * `unknownFromStart`: a live feed does not want a producer's whole history).
   */
  lost(sources: Iterable<string>, unknownFromStart: boolean, now: number): ReplayRequest[] {
    const requests: ReplayRequest[] = [];
    for (const source of new Set([...sources, ...this.#sources.keys()])) {
      const state = this.#state(source);
      if (state.next === undefined) {
        if (!unknownFromStart) continue;
        state.next = 1;
        this.#changed.add(source);
      }
      // Open until the event at `next` is handled, or the producer says it has published nothing from there on.
      state.gapUpTo = Math.max(state.gapUpTo ?? 0, state.next - 1);
      state.requestedAt = now;
      requests.push({ source, from: state.next });
    }
    return requests;
  }

  /** Replay requests due now: gaps not asked for yet, or asked for `retryMs` ago without an answer. */
  due(now: number): ReplayRequest[] {
    const requests: ReplayRequest[] = [];
    for (const [source, state] of this.#sources) {
      if (state.gapUpTo === null || state.next === undefined) continue;
      if (state.requestedAt !== null && now - state.requestedAt < this.#retryMs) continue;
      state.requestedAt = now;
      requests.push({ source, from: state.next });
    }
    return requests;
  }

  /** The sources with a gap open (a replay awaited). */
  openSources(): string[] {
    return [...this.#sources].filter(([, state]) => state.gapUpTo !== null).map(([source]) => source);
  }

  /**
   * The producer has published nothing past `head`: a gap open on a source the group is already beyond needs no
   * replay (after a reset, the group had handled everything before Redis lost it).
   */
  caughtUp(source: string, head: number) {
    const state = this.#sources.get(source);
    if (state?.next === undefined || state.gapUpTo === null || state.gapUpTo > head || state.next <= head) return;
    state.gapUpTo = null;
    state.requestedAt = null;
  }

  /** The producer no longer keeps events before `floor` (retention): the group cannot get them and moves on. */
  skipTo(source: string, floor: number): number {
    const state = this.#state(source);
    const skipped = state.next === undefined ? 0 : Math.max(0, floor - state.next);
    if (skipped > 0) {
      state.next = floor;
      this.#changed.add(source);
    }
    return skipped;
  }

  /** Whether a gap is open (events missing, replay awaited). */
  get waiting(): boolean {
    for (const state of this.#sources.values()) if (state.gapUpTo !== null) return true;
    return false;
  }

  /** The checkpoints changed since the last call (source → next expected), for saving. */
  takeChanged(): Map<string, number> {
    const changed = new Map<string, number>();
    for (const source of this.#changed) {
      const next = this.#sources.get(source)?.next;
      if (next !== undefined) changed.set(source, next);
    }
    this.#changed.clear();
    return changed;
  }

  #state(source: string): SourceState {
    let state = this.#sources.get(source);
    if (!state) {
      state = { next: undefined, gapUpTo: null, requestedAt: null };
      this.#sources.set(source, state);
    }
    return state;
  }
}

/** The producer of an event type: its first segment (`time.entry.approved` → `time`), as `DomainEvent.source` says. */
export const sourceOfType = (type: string): string => type.split('.')[0];
