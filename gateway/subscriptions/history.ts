import type { EventBus, PositionedEvent } from '../../lib/events/bus.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { comparePositions, positionTime, type EventPosition } from '../../lib/events/position.ts';

export interface HistoryOptions {
  /** The live fields' events kept for resuming subscribers, at most. */
  readonly maxEvents: number;
  /** How long they are kept, at most. */
  readonly retentionMs: number;
  /** The live fields' event types (what the bus's history is filtered to). */
  readonly types: readonly string[];
  /** Where cursors older than this gateway's own record are looked up (Redis: XRANGE), when the bus retains history. */
  readonly bus?: Pick<EventBus, 'readAfter'>;
  readonly now?: () => number;
}

interface Recorded extends PositionedEvent {
  readonly recordedAt: number;
}

/** A cursor the history cannot resume from: events after it were dropped (or it was never this deployment's). */
export const expired = Symbol('expired');

/**
 * The recent live-field events of this gateway, for subscribers that resume from a cursor: a ring bounded by count and
 * age. `floor` is the position after which every event the gateway received is either held or was dropped (dropping
 * raises it), so a cursor at or after it resumes exactly; one before it is read from the bus when the bus retains
 * history (Redis) under the same bounds, else it has expired.
 */
export class EventHistory {
  readonly #options: HistoryOptions;
  readonly #now: () => number;
  #events: Recorded[] = [];
  /** Index of the oldest held event in #events (dropped ones are spliced off in bulk). */
  #head = 0;
  #floor: EventPosition | null = null;

  constructor(options: HistoryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#events.length - this.#head;
  }

  /** Called for every live-field event, in bus order. */
  record(position: EventPosition, event: DomainEvent) {
    // Everything the bus delivered before the first recorded event predates this gateway's subscription.
    this.#floor ??= before(position);
    this.#events.push({ position, event, recordedAt: this.#now() });
    this.#drop();
  }

  /** The events after `cursor`, oldest first, or `expired`. */
  async after(cursor: EventPosition): Promise<PositionedEvent[] | typeof expired> {
    this.#drop();
    const held = this.#events.slice(this.#head);
    if (this.#floor !== null && comparePositions(cursor, this.#floor) >= 0) {
      return held.filter((recorded) => comparePositions(recorded.position, cursor) > 0);
    }
    return this.#fromBus(cursor, held);
  }

  async #fromBus(cursor: EventPosition, held: Recorded[]): Promise<PositionedEvent[] | typeof expired> {
    const { bus, maxEvents, retentionMs, types } = this.#options;
    if (!bus?.readAfter || positionTime(cursor) < this.#now() - retentionMs) return expired;
    const found: PositionedEvent[] = [];
    let from = cursor;
    // The bus's stream holds every type; reading it is bounded by pages as well as by what is kept.
    for (let page = 0; page < 100; page++) {
      const entries = await bus.readAfter(from, 1000);
      if (entries === null) return expired;
      for (const entry of entries) {
        // From where this gateway's own record starts, it is complete: the rest comes from it.
        if (this.#floor !== null && comparePositions(entry.position, this.#floor) > 0) {
          return [...found, ...held.filter((recorded) => comparePositions(recorded.position, entry.position) >= 0)];
        }
        if (types.includes(entry.event.type)) found.push(entry);
        if (found.length > maxEvents) return expired;
      }
      if (entries.length < 1000) return found;
      from = entries[entries.length - 1].position;
    }
    return expired;
  }

  #drop() {
    const oldest = this.#now() - this.#options.retentionMs;
    while (this.size > 0 && (this.size > this.#options.maxEvents || this.#events[this.#head].recordedAt < oldest)) {
      this.#floor = this.#events[this.#head].position;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** A position just before `position` (every event before it sorts at or before this). */
function before(position: EventPosition): EventPosition {
  const [ms, seq] = position.split('-').map(BigInt);
  return seq > 0n ? `${ms}-${seq - 1n}` : `${ms - 1n}-99999999999`;
}
