import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { Identity } from '../../lib/auth/identity.ts';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { MAX_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import type { Logger } from '../../lib/logger.ts';
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
  /** Results a subscriber may have waiting before its stream is ended as too slow. Default 1,000. */
  readonly maxQueued?: number;
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
  #pending: DomainEvent[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #subscription: Subscription | null = null;
  /** Resolutions run so far, for tests and the log: one per group of identical subscribers per batch. */
  resolutions = 0;

  constructor(options: LiveFeedOptions) {
    this.#options = { batchWindowMs: 10, maxQueued: 1000, ...options };
  }

  async start(): Promise<void> {
    const types = [...new Set(Object.values(liveFields).flatMap((field) => field.eventTypes))];
    this.#subscription = await this.#options.bus.subscribe({
      group: this.#options.group,
      types,
      // Only queued here: the bus (and, in process, the publishing relay) does not wait for subscribers' queries.
      handler: async (event) => {
        if (!this.#hasSubscribersFor(event.type)) return;
        this.#pending.push(event);
        this.#timer ??= setTimeout(() => this.#schedule(), this.#options.batchWindowMs);
      },
    });
  }

  /** A subscriber's stream of results; ending it (graphql-ws `complete`, a closed socket) unsubscribes. */
  open(identity: Identity, expiresAt: number | null, selection: LiveSelection): AsyncIterableIterator<FormattedExecutionResult> {
    const set = this.#subscribers.get(selection.field) ?? new Set();
    this.#subscribers.set(selection.field, set);
    const subscriber: Subscriber = {
      identity,
      expiresAt,
      selection,
      stream: new SubscriberStream(this.#options.maxQueued, () => set.delete(subscriber)),
    };
    set.add(subscriber);
    return subscriber.stream;
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.#subscribers.values()) count += set.size;
    return count;
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#subscription?.close();
    await this.#flushing;
    for (const set of this.#subscribers.values()) for (const subscriber of set) subscriber.stream.end();
  }

  #hasSubscribersFor(type: string): boolean {
    return Object.values(liveFields).some((field) => field.eventTypes.includes(type) && (this.#subscribers.get(field.name)?.size ?? 0) > 0);
  }

  /** Batches are delivered one after another, so a subscriber sees changes in the order they were published. */
  #schedule() {
    this.#timer = null;
    const events = this.#pending;
    this.#pending = [];
    this.#flushing = this.#flushing.then(() =>
      this.#deliver(events).catch((error) => this.#options.logger.error('live delivery failed', { error, events: events.length })),
    );
  }

  async #deliver(events: DomainEvent[]) {
    await Promise.all(Object.values(liveFields).map((field) => this.#deliverField(field, events)));
  }

  async #deliverField(field: LiveField, events: DomainEvent[]) {
    const now = Date.now();
    const subscribers = [...(this.#subscribers.get(field.name) ?? [])].filter((s) => s.expiresAt === null || s.expiresAt > now);
    if (subscribers.length === 0) return;
    // The same entity twice in one batch is delivered once, as it is now (the resolution reads its current state).
    const byId = new Map<string, Change>();
    for (const event of events) if (field.eventTypes.includes(event.type)) for (const change of field.changesOf(event)) byId.set(change.id, change);
    if (byId.size === 0) return;
    const changes = await this.#withFacts(field, [...byId.values()], subscribers);
    const skip = new Set(field.statusAfterResolution ? ['status'] : []);
    const groups = new Map<string, { identity: Identity; selection: LiveSelection; members: { subscriber: Subscriber; matched: Change[] }[]; ids: Set<string> }>();
    for (const subscriber of subscribers) {
      const matched = changes.filter((change) => matchesFilter(subscriber.selection.filter, change.facts, skip));
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
            if (result) subscriber.stream.push(result);
          }
        }
      }),
    );
  }

  /** Adds the facts a subscriber filters on and the events do not carry, read once for the batch as the gateway. */
  async #withFacts(field: LiveField, changes: Change[], subscribers: Subscriber[]): Promise<Change[]> {
    const needed = subscribers.some((s) => field.readFacts.keys.some((key) => s.selection.filter[key] != null));
    if (!needed) return changes;
    const read = new Map<string, Facts>();
    for (const part of chunks(changes, MAX_PAGE_SIZE)) {
      const query = field.readFacts.query(part);
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
 * A subscriber's results as graphql-ws consumes them: an async iterator whose `return` ends it at once (an async
 * generator waiting for its next event could not be ended until one arrived).
 */
class SubscriberStream implements AsyncIterableIterator<FormattedExecutionResult> {
  readonly #queue: FormattedExecutionResult[] = [];
  readonly #maxQueued: number;
  readonly #onEnd: () => void;
  #waiting: ((result: IteratorResult<FormattedExecutionResult>) => void) | null = null;
  #ended = false;
  #overflowed = false;

  constructor(maxQueued: number, onEnd: () => void) {
    this.#maxQueued = maxQueued;
    this.#onEnd = onEnd;
  }

  [Symbol.asyncIterator]() {
    return this;
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
      this.#overflowed = true;
      this.end();
      return;
    }
    this.#queue.push(result);
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.#overflowed) return Promise.reject(new Error(`subscriber too slow: more than ${this.#maxQueued} results waiting`));
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  async return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end();
    this.#queue.length = 0;
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
