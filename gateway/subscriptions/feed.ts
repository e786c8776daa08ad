import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { Identity } from '../../lib/auth/identity.ts';
import type { EventBus, PositionedEvent, Subscription } from '../../lib/events/bus.ts';
import { comparePositions, type EventPosition } from '../../lib/events/position.ts';
import { MAX_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import type { Logger } from '../../lib/logger.ts';
import { EventHistory, expired } from './history.ts';
import { liveFields, liveIdKey, liveStatusKey, matchesFilter, type Change, type Facts, type LiveField } from './live-fields.ts';
import { fragmentsText, selectionText, variableDefinitionsText, type LiveSelection } from './selection.ts';

/** Runs a query through the gateway's own executor as `identity` (the subscriber, or the gateway for facts). */
export type GraphExecutor = (
  query: string,
  variables: Record<string, unknown>,
  identity: Identity,
  correlationId: string,
) => Promise<{ data?: Record<string, any> | null; errors?: readonly GraphQLFormattedError[] }>;

export interface LiveFeedOptions {
  readonly bus: EventBus;
  readonly execute: GraphExecutor;
  readonly logger: Logger;
  /** The bus consumer group; one per gateway instance, since every instance serves its own subscribers. */
  readonly group: string;
  /** How long the feed waits after an event for others to resolve with it in one fetch. Default 10 ms. */
  readonly batchWindowMs?: number;
  /** Results a subscriber may have waiting before its stream is ended as too slow (SLOW_CONSUMER). Default 1,000. */
  readonly maxQueued?: number;
  /** Events kept for subscribers resuming from a cursor, at most. Default 10,000. */
  readonly replayEvents?: number;
  /** How long they are kept, at most. Default 5 minutes. */
  readonly replayMs?: number;
}

/** The cursor delivered with each result (`extensions.cursor`): resume after it with the live field's `after`. */
export const cursorExtension = 'cursor';

/** A change with the bus position of the (last) event that made it: its cursor. */
interface PositionedChange extends Change {
  readonly position: EventPosition;
}

/** Refusals that mean "not for you": the event is dropped for that subscriber, silently. */
const notForYou = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']);

/** Who reads the facts subscribers filter on (a manager, a customer) when events do not carry them. */
const gatewayIdentity: Identity = { workerId: null, roles: ['FINANCE'], service: 'gateway' };

interface Subscriber {
  readonly identity: Identity;
  readonly expiresAt: number | null;
  readonly selection: LiveSelection;
  readonly stream: SubscriberStream;
  /** The cursor it has been served through (resumed from, then each delivery's): nothing at or before it again. */
  after: EventPosition | null;
  /** False while it catches up from its cursor: live batches pass it by until then. */
  live: boolean;
}

/**
 * The live fields' fan-out: domain events from the bus, matched against each subscriber's filter, resolved through
 * the graph as the subscriber (the subgraphs' own access rules decide what each one sees), delivered on their stream.
 * Events arriving within `batchWindowMs` of each other are resolved together: per live field, subscribers with the
 * same identity and the same selection share one query for all the entities they matched.
 */
export class LiveFeed {
  readonly #options: Required<LiveFeedOptions>;
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  #pending: PositionedEvent[] = [];
  readonly #history: EventHistory;
  #timer: NodeJS.Timeout | null = null;
  /** A batch is being resolved and delivered: events arriving meanwhile wait and go out together in the next one. */
  #busy = false;
  #closed = false;
  #flushing: Promise<void> = Promise.resolve();
  #subscription: Subscription | null = null;
  /** Resolutions run so far, for tests and the log: one per group of identical subscribers per batch. */
  resolutions = 0;

  constructor(options: LiveFeedOptions) {
    // Options given as undefined take the defaults.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as LiveFeedOptions;
    this.#options = { batchWindowMs: 10, maxQueued: 1000, replayEvents: 10_000, replayMs: 5 * 60_000, ...given };
    this.#history = new EventHistory({
      maxEvents: this.#options.replayEvents,
      retentionMs: this.#options.replayMs,
      types: liveEventTypes(),
      bus: options.bus,
    });
  }

  async start(): Promise<void> {
    this.#subscription = await this.#options.bus.subscribe({
      group: this.#options.group,
      types: liveEventTypes(),
      // A new instance's group starts at the stream's end: its subscribers want changes from now on, and a cursor
      // from before reads the stream by position (the history's `readAfter`), not through the group.
      startAt: 'end',
      // Only recorded and queued here: the bus (and, in process, the publishing relay) does not wait for subscribers.
      handler: async (event, { position }) => {
        this.#history.record(position, event);
        if (!this.#hasSubscribersFor(event.type)) return;
        this.#pending.push({ position, event });
        this.#cut();
      },
    });
  }

  /**
   * A subscriber's stream of results; ending it (graphql-ws `complete`, a closed socket) unsubscribes. With
   * `selection.after`, it first receives what changed after that cursor (in order, each entity once), then live ones.
   */
  open(identity: Identity, expiresAt: number | null, selection: LiveSelection): AsyncIterableIterator<FormattedExecutionResult> {
    const set = this.#subscribers.get(selection.field) ?? new Set();
    this.#subscribers.set(selection.field, set);
    const subscriber: Subscriber = {
      identity,
      expiresAt,
      selection,
      stream: new SubscriberStream(this.#options.maxQueued, () => set.delete(subscriber)),
      after: selection.after,
      live: selection.after === null,
    };
    set.add(subscriber);
    if (!subscriber.live) {
      // In the delivery chain: batches queued before it are done, and every later one passes it by until it is live.
      this.#flushing = this.#flushing.then(() =>
        this.#resume(subscriber).catch((error) => {
          this.#options.logger.error('live resume failed', { error, field: selection.field });
          subscriber.stream.fail('the subscription could not resume; subscribe again', 'INTERNAL_SERVER_ERROR');
        }),
      );
    }
    return subscriber.stream;
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.#subscribers.values()) count += set.size;
    return count;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#subscription?.close();
    await this.#flushing;
    for (const set of this.#subscribers.values()) for (const subscriber of set) subscriber.stream.end();
  }

  #hasSubscribersFor(type: string): boolean {
    return Object.values(liveFields).some((field) => field.eventTypes.includes(type) && (this.#subscribers.get(field.name)?.size ?? 0) > 0);
  }

  /**
   * Batches are delivered one after another, so a subscriber sees changes in the order they were published. A batch is
   * cut `batchWindowMs` after its first event, but never while the one before it is still resolving: under load the
   * events that arrive meanwhile go out together in the next batch, resolved in one query per group of identical
   * subscribers, instead of one small batch (and one query per group) each after the other.
   */
  #cut() {
    if (this.#closed || this.#busy || this.#timer || this.#pending.length === 0) return;
    this.#timer = setTimeout(() => this.#schedule(), this.#options.batchWindowMs);
  }

  #schedule() {
    this.#timer = null;
    const events = this.#pending;
    this.#pending = [];
    this.#busy = true;
    this.#flushing = this.#flushing
      .then(() => this.#deliver(events))
      .catch((error) => this.#options.logger.error('live delivery failed', { error, events: events.length }))
      .finally(() => {
        this.#busy = false;
        this.#cut();
      });
  }

  async #deliver(events: PositionedEvent[]) {
    await Promise.all(
      Object.values(liveFields).map((field) => this.#deliverField(field, events, [...(this.#subscribers.get(field.name) ?? [])].filter((s) => s.live))),
    );
  }

  /** Replays what changed after the subscriber's cursor, then makes it live; an expired cursor ends its stream. */
  async #resume(subscriber: Subscriber) {
    const field = liveFields[subscriber.selection.field];
    const missed = await this.#history.after(subscriber.after!);
    if (missed === expired) {
      subscriber.stream.fail(
        `cursor ${subscriber.after} is older than the gateway keeps events for (at most ${this.#options.replayEvents} events, ${Math.round(this.#options.replayMs / 1000)} s): read the current state, then subscribe without \`after\``,
        'CURSOR_EXPIRED',
      );
      return;
    }
    const relevant = missed.filter((entry) => field.eventTypes.includes(entry.event.type));
    for (const part of chunks(relevant, replayBatch)) {
      if (subscriber.stream.ended) return;
      await this.#deliverField(field, part, [subscriber]);
    }
    subscriber.live = true;
  }

  async #deliverField(field: LiveField, events: PositionedEvent[], candidates: Subscriber[]) {
    const now = Date.now();
    const subscribers = candidates.filter((s) => s.expiresAt === null || s.expiresAt > now);
    if (subscribers.length === 0) return;
    // The same entity twice in one batch is delivered once, as it is now (the resolution reads its current state), at
    // the place and with the cursor of its last change: results go out in cursor order.
    const byId = new Map<string, PositionedChange>();
    for (const { position, event } of events) {
      if (!field.eventTypes.includes(event.type)) continue;
      for (const change of field.changesOf(event)) {
        byId.delete(change.id);
        byId.set(change.id, { ...change, position });
      }
    }
    if (byId.size === 0) return;
    const changes = await this.#withFacts(field, [...byId.values()], subscribers);
    const skip = new Set(field.statusAfterResolution ? ['status'] : []);
    const groups = new Map<
      string,
      { identity: Identity; selection: LiveSelection; members: { subscriber: Subscriber; matched: PositionedChange[] }[]; ids: Set<string> }
    >();
    for (const subscriber of subscribers) {
      const after = subscriber.after;
      const matched = changes.filter(
        (change) => (after === null || comparePositions(change.position, after) > 0) && matchesFilter(subscriber.selection.filter, change.facts, skip),
      );
      if (matched.length === 0) continue;
      const key = `${identityKey(subscriber.identity)}\u0000${selectionKey(subscriber.selection)}`;
      const group = groups.get(key) ?? { identity: subscriber.identity, selection: subscriber.selection, members: [], ids: new Set() };
      groups.set(key, group);
      group.members.push({ subscriber, matched });
      for (const change of matched) group.ids.add(change.id);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const correlationId = changes.find((c) => group.ids.has(c.id))!.correlationId;
        const resolved = await this.#resolve(field, group.selection, [...group.ids], group.identity, correlationId);
        for (const { subscriber, matched } of group.members) {
          for (const change of matched) {
            const result = resultFor(field, subscriber.selection, change.id, resolved);
            if (result) subscriber.stream.push({ ...result, extensions: { [cursorExtension]: change.position } });
            // Passed over (not visible to it) or delivered: either way it has been served through this change.
            subscriber.after = change.position;
          }
        }
      }),
    );
  }

  /** Adds the facts a subscriber filters on and the events do not carry, read once for the batch as the gateway. */
  async #withFacts(field: LiveField, changes: PositionedChange[], subscribers: Subscriber[]): Promise<PositionedChange[]> {
    const readFacts = field.readFacts;
    const needed = readFacts && subscribers.some((s) => readFacts.keys.some((key) => s.selection.filter[key] != null));
    if (!needed) return changes;
    const read = new Map<string, Facts>();
    for (const part of chunks(changes, MAX_PAGE_SIZE)) {
      const query = readFacts.query(part);
      const { data, errors } = await this.#options.execute(query.query, query.variables, gatewayIdentity, part[0].correlationId);
      if (errors?.length || !data) {
        this.#options.logger.error('live filter facts could not be read', { field: field.name, errors });
        continue;
      }
      for (const [id, facts] of query.read(data)) read.set(id, facts);
    }
    // An entity whose facts could not be read matches no filter on them (unknown is not equal).
    return changes.map((change) => ({ ...change, facts: { ...change.facts, ...read.get(change.id) } }));
  }

  async #resolve(field: LiveField, selection: LiveSelection, ids: string[], identity: Identity, correlationId: string): Promise<Resolved> {
    const resolved: Resolved = { nodes: new Map(), errorsById: new Map(), unlocated: [] };
    for (const part of chunks(ids, MAX_PAGE_SIZE)) {
      const resolution = field.resolution(selection, part);
      this.resolutions++;
      const { data, errors } = await this.#options.execute(resolution.query, resolution.variables, identity, correlationId);
      for (const [id, node] of resolution.nodes(data)) resolved.nodes.set(id, node);
      for (const error of errors ?? []) {
        const located = resolution.locate(error.path, data);
        if (!located) {
          resolved.unlocated.push(error);
          continue;
        }
        const list = resolved.errorsById.get(located.id) ?? [];
        list.push({ ...error, path: located.rest });
        resolved.errorsById.set(located.id, list);
      }
    }
    return resolved;
  }
}

interface Resolved {
  nodes: Map<string, Record<string, unknown> | null>;
  /** Errors inside one entity, with their path below it. */
  errorsById: Map<string, GraphQLFormattedError[]>;
  /** Errors of the whole query (no entity to blame). */
  unlocated: GraphQLFormattedError[];
}

/** The `next` payload for one entity, or null when it is not for this subscriber (not visible, or filtered out). */
function resultFor(field: LiveField, selection: LiveSelection, id: string, resolved: Resolved): FormattedExecutionResult | null {
  const node = resolved.nodes.get(id);
  const located = resolved.errorsById.get(id) ?? [];
  const key = selection.responseKey;
  const asDelivered = (errors: GraphQLFormattedError[]) => errors.map((error) => ({ ...error, path: [key, ...(error.path ?? [])] }));
  if (!node) {
    const errors = [...located, ...resolved.unlocated];
    if (errors.every((error) => notForYou.has(String(error.extensions?.code)))) return null;
    return { data: null, errors: asDelivered(errors) };
  }
  const { [liveIdKey]: _id, [liveStatusKey]: status, ...payload } = node;
  if (field.statusAfterResolution && !matchesFilter(selection.filter, { status: status as string }, new Set(Object.keys(selection.filter).filter((k) => k !== 'status')))) {
    return null;
  }
  return located.length > 0 ? { data: { [key]: payload }, errors: asDelivered(located) } : { data: { [key]: payload } };
}

/** Events resolved together when a subscriber catches up from its cursor. */
const replayBatch = 500;

const liveEventTypes = () => [...new Set(Object.values(liveFields).flatMap((field) => field.eventTypes))];

const identityKey = (identity: Identity) => `${identity.workerId ?? ''}|${[...identity.roles].sort().join(',')}|${identity.service ?? ''}`;

/** Everything of a selection that shapes its query and answer (not the filter, not the alias). */
const selectionKey = (selection: LiveSelection) =>
  [selection.field, selectionText(selection), fragmentsText(selection), variableDefinitionsText(selection).join(','), JSON.stringify(selection.variables)].join(
    '\u0000',
  );

function chunks<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let at = 0; at < items.length; at += size) parts.push(items.slice(at, at + size));
  return parts;
}

/**
 * A subscriber's results as graphql-ws (or the SSE handler) consumes them: an async iterator whose `return` ends it at
 * once (an async generator waiting for its next event could not be ended until one arrived). At most `maxQueued`
 * results wait; past that the queue is dropped and the stream ends with a SLOW_CONSUMER error, so memory stays bounded.
 */
class SubscriberStream implements AsyncIterableIterator<FormattedExecutionResult> {
  readonly #queue: FormattedExecutionResult[] = [];
  readonly #maxQueued: number;
  readonly #onEnd: () => void;
  #waiting: ((result: IteratorResult<FormattedExecutionResult>) => void) | null = null;
  #ended = false;
  /** The error result the stream ends with, once the results before it are read. */
  #final: FormattedExecutionResult | null = null;

  constructor(maxQueued: number, onEnd: () => void) {
    this.#maxQueued = maxQueued;
    this.#onEnd = onEnd;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  get ended(): boolean {
    return this.#ended;
  }

  push(result: FormattedExecutionResult) {
    if (this.#ended) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: result, done: false });
      return;
    }
    if (this.#queue.length >= this.#maxQueued) {
      this.#queue.length = 0;
      this.fail(
        `more than ${this.#maxQueued} results were waiting for this subscriber: the subscription ended; subscribe again with \`after\` set to the last cursor received`,
        'SLOW_CONSUMER',
      );
      return;
    }
    this.#queue.push(result);
  }

  /** Ends the stream after what is queued with one result carrying only this error. */
  fail(message: string, code: string) {
    if (this.#ended) return;
    const final: FormattedExecutionResult = { errors: [{ message, extensions: { code } }] };
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: final, done: false });
    } else {
      this.#final = final;
    }
    this.end();
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    const final = this.#final;
    this.#final = null;
    if (final) return Promise.resolve({ value: final, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  async return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end();
    this.#queue.length = 0;
    this.#final = null;
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end();
    throw error;
  }

  end() {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.({ value: undefined, done: true });
  }
}
