import { randomUUID } from 'node:crypto';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { Identity } from '../../lib/auth/identity.ts';
import type { EventBus, PositionedEvent, Subscription } from '../../lib/events/bus.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { comparePositions, type EventPosition } from '../../lib/events/position.ts';
import { MAX_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import type { Logger } from '../../lib/logger.ts';
import { EventHistory, expired } from './history.ts';
import { reportingLineEventTypes } from '../../subgraphs/hcm/events.ts';
import { ReportingLines } from './reporting-lines.ts';
import { SubscriberStream } from './subscriber-stream.ts';
import { idsOf, liveFields, liveIdKey, liveStatusKey, matchesFilter, type Change, type FactKey, type Facts, type LiveField } from './live-fields.ts';
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
  /**
   * Batches whose subscribers (those not waiting for facts to be read) are resolved at the same time, at most.
   * Default 1: under load, the events that arrive meanwhile go out together in the next batch, which costs fewer
   * queries than more batches at once (docs/benchmarks.md, 2026-12-07). Each subscriber still receives its results
   * in event order.
   */
  readonly concurrentBatches?: number;
  /**
   * Batches in progress at all, at most, counting those whose only work left waits for facts (a customer filter's
   * read, a worker's reporting line not known yet). Default 16.
   */
  readonly maxBatchesInProgress?: number;
}

/** The cursor delivered with each result (`extensions.cursor`): resume after it with the live field's `after`. */
export const cursorExtension = 'cursor';

/** A change with the bus position of the (last) event that made it: its cursor. */
interface PositionedChange extends Change {
  readonly position: EventPosition;
}

/** Refusals that mean "not for you": the event is dropped for that subscriber, silently. */
const notForYou = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']);

/** Who reads the facts subscribers filter on (a customer, a contract) when events do not carry them. */
const gatewayIdentity: Identity = { workerId: null, roles: ['FINANCE'], service: 'gateway' };

/** One change as it goes out to one subscriber: its result, or null when passed over (not visible to it). */
interface Outcome {
  readonly position: EventPosition;
  readonly result: FormattedExecutionResult | null;
}

/**
 * A subscriber's share of one batch (or of its catch-up), in the subscriber's queue from the moment the batch is cut:
 * its outcomes go out once every slot before it is done, so batches resolving out of order still arrive in order.
 */
interface Slot {
  outcomes: Outcome[];
  done: boolean;
  /** In the subscriber's queue (a part of a catch-up is not: it is collected, then joins the catch-up's slot). */
  readonly queued: boolean;
}

interface Subscriber {
  readonly identity: Identity;
  readonly expiresAt: number | null;
  readonly selection: LiveSelection;
  /** Its identity and selection: subscribers with the same key share one resolution per batch (set once, at open). */
  readonly groupKey: string;
  /** The filter key it is indexed under (its first of `indexedKeys` given), or null: a candidate for every change. */
  readonly indexKey: FactKey | null;
  readonly stream: SubscriberStream;
  /** The cursor it has been served through (resumed from, then each delivery's): nothing at or before it again. */
  after: EventPosition | null;
  /** Its slots not delivered yet, oldest first (its catch-up first when it resumes). */
  readonly slots: Slot[];
  /** Results held in its slots behind an unfinished one: they count towards its queue limit. */
  held: number;
}

/**
 * A field's subscribers, indexed by the value of one equality filter each (`indexKey`): a batch visits only those
 * whose indexed value one of its changes has (or all under a key whose facts are not known yet), so the work of
 * matching a change does not grow with the subscribers of other workers, managers or projects.
 */
class FieldSubscribers {
  readonly all = new Set<Subscriber>();
  readonly #unindexed = new Set<Subscriber>();
  readonly #byKey = new Map<FactKey, Map<unknown, Set<Subscriber>>>();

  add(subscriber: Subscriber) {
    this.all.add(subscriber);
    const key = subscriber.indexKey;
    if (key === null) {
      this.#unindexed.add(subscriber);
      return;
    }
    const byValue = this.#byKey.get(key) ?? new Map<unknown, Set<Subscriber>>();
    this.#byKey.set(key, byValue);
    const value = subscriber.selection.filter[key];
    const set = byValue.get(value) ?? new Set<Subscriber>();
    byValue.set(value, set);
    set.add(subscriber);
  }

  delete(subscriber: Subscriber) {
    this.all.delete(subscriber);
    const key = subscriber.indexKey;
    if (key === null) {
      this.#unindexed.delete(subscriber);
      return;
    }
    const byValue = this.#byKey.get(key);
    const value = subscriber.selection.filter[key];
    const set = byValue?.get(value);
    set?.delete(subscriber);
    if (set?.size === 0) byValue!.delete(value);
  }

  /** The subscribers whose indexed filter value one of the changes has, or whose indexed key is `unknown` yet. */
  candidates(changes: readonly PositionedChange[], unknown: ReadonlySet<string>): Subscriber[] {
    const found = [...this.#unindexed];
    for (const [key, byValue] of this.#byKey) {
      if (unknown.has(key)) {
        for (const set of byValue.values()) found.push(...set);
        continue;
      }
      const values = new Set(changes.map((change) => change.facts[key]));
      for (const value of values) {
        const set = byValue.get(value);
        if (set) found.push(...set);
      }
    }
    return found;
  }
}

/** A batch's changes by the value of a fact, indexed per key when first asked. */
class ChangesByFact {
  readonly #changes: readonly PositionedChange[];
  readonly #byKey = new Map<FactKey, Map<unknown, PositionedChange[]>>();

  constructor(changes: readonly PositionedChange[]) {
    this.#changes = changes;
  }

  /**
   * The changes a subscriber's filter may match, in order: those whose fact under its index key is its value (all
   * when it has no index key, or when that fact is not known yet).
   */
  for(subscriber: Subscriber, unknown?: ReadonlySet<string>): readonly PositionedChange[] {
    const key = subscriber.indexKey;
    if (key === null || unknown?.has(key)) return this.#changes;
    let byValue = this.#byKey.get(key);
    if (!byValue) {
      byValue = new Map();
      this.#byKey.set(key, byValue);
      for (const change of this.#changes) {
        const list = byValue.get(change.facts[key]) ?? [];
        byValue.set(change.facts[key], list);
        list.push(change);
      }
    }
    return byValue.get(subscriber.selection.filter[key]) ?? [];
  }
}

/** Filter keys that subscribers are indexed under, in order of preference (those events carry most often first). */
const indexedKeys: readonly FactKey[] = ['workerId', 'projectId', 'managerId', 'customerId', 'contractId'];

const indexKeyOf = (filter: Readonly<Record<string, unknown>>): FactKey | null => indexedKeys.find((key) => filter[key] != null) ?? null;

/** A subscriber taking part in one batch of a field, with the slot its outcomes go to. */
interface Member {
  readonly subscriber: Subscriber;
  readonly slot: Slot;
}

/**
 * The live fields' fan-out: domain events from the bus, matched against each subscriber's filter, resolved through
 * the graph as the subscriber (the subgraphs' own access rules decide what each one sees), delivered on their stream.
 * Events arriving within `batchWindowMs` of each other are resolved together: per live field, subscribers with the
 * same identity and the same selection share one query for all the entities they matched. Within a batch each group
 * goes out as soon as its own query answers, and subscribers whose filters wait for facts to be read are resolved
 * apart: a batch stops holding up the next once its other subscribers are served, so no one waits for another
 * filter's facts. Each subscriber still receives its results in event order (its slots).
 */
export class LiveFeed {
  readonly #options: Required<LiveFeedOptions>;
  readonly #subscribers = new Map<string, FieldSubscribers>();
  #pending: PositionedEvent[] = [];
  readonly #history: EventHistory;
  readonly #lines: ReportingLines;
  #timer: NodeJS.Timeout | null = null;
  /** Batches whose subscribers not waiting for facts are being resolved (bounded by `concurrentBatches`). */
  #resolving = 0;
  /** Batches not finished at all (bounded by `maxBatchesInProgress`). */
  #inProgress = 0;
  #closed = false;
  /** Batches and catch-ups in progress (close waits for them). */
  readonly #work = new Set<Promise<void>>();
  #subscription: Subscription | null = null;
  /** Resolutions run so far, for tests and the log: one per group of identical subscribers per batch. */
  resolutions = 0;
  /** Selections whose resolution was run ahead of their first change (`#warmUp`), at most `maxWarmedSelections`. */
  readonly #warmed = new Set<string>();
  /** Resolutions run ahead for no ids so far (not counted in `resolutions`), for tests and the log. */
  warmUps = 0;

  constructor(options: LiveFeedOptions) {
    // Options given as undefined take the defaults.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as LiveFeedOptions;
    this.#options = { batchWindowMs: 10, maxQueued: 1000, replayEvents: 10_000, replayMs: 5 * 60_000, concurrentBatches: 1, maxBatchesInProgress: 16, ...given };
    this.#history = new EventHistory({
      maxEvents: this.#options.replayEvents,
      retentionMs: this.#options.replayMs,
      types: liveEventTypes(),
      bus: options.bus,
    });
    this.#lines = new ReportingLines(this.#options.execute, this.#options.logger);
  }

  /** Workers whose manager the feed had to read from the graph (not yet heard of from hcm), for tests and the log. */
  get reportingLineReads(): number {
    return this.#lines.reads;
  }

  async start(): Promise<void> {
    this.#subscription = await this.#options.bus.subscribe({
      group: this.#options.group,
      types: [...liveEventTypes(), ...reportingLineEventTypes],
      // A new instance's group starts at the stream's end: its subscribers want changes from now on, and a cursor
      // from before reads the stream by position (the history's `readAfter`), not through the group.
      startAt: 'end',
      // The group is named after this instance: it goes with it.
      ephemeral: true,
      // Only recorded and queued here: the bus (and, in process, the publishing relay) does not wait for subscribers.
      handler: async (event, { position }) => this.#hear(event, position),
      // Every approval and billing event passes through here: a spike is taken a read (Redis) or a relay pass
      // (in-process) at a time, acknowledged once, each event heard in order as one at a time would be.
      batch: {
        maxEvents: liveFeedBatchSize,
        handler: async (events, deliveries) => events.forEach((event, index) => this.#hear(event, deliveries[index].position)),
      },
    });
    for (const set of this.#subscribers.values()) for (const subscriber of set.all) this.#readAhead(subscriber);
  }

  #hear(event: DomainEvent, position: EventPosition) {
    if (reportingLineEventTypes.includes(event.type)) {
      this.#lines.hear(event);
      return;
    }
    this.#history.record(position, event);
    if (!this.#hasSubscribersFor(event.type)) return;
    this.#pending.push({ position, event });
    this.#cut();
  }

  /**
   * A subscriber's stream of results; ending it (graphql-ws `complete`, a closed socket) unsubscribes. With
   * `selection.after`, it first receives what changed after that cursor (in order, each entity once), then live ones.
   */
  open(identity: Identity, expiresAt: number | null, selection: LiveSelection): AsyncIterableIterator<FormattedExecutionResult> {
    const set = this.#subscribers.get(selection.field) ?? new FieldSubscribers();
    this.#subscribers.set(selection.field, set);
    const subscriber: Subscriber = {
      identity,
      expiresAt,
      selection,
      groupKey: `${identityKey(identity)}\u0000${selectionKey(selection)}`,
      indexKey: indexKeyOf(selection.filter),
      stream: new SubscriberStream(this.#options.maxQueued, () => set.delete(subscriber)),
      after: selection.after,
      slots: [],
      held: 0,
    };
    set.add(subscriber);
    // Before `start`, the gateway cannot run queries yet: `start` reads ahead for the subscribers open by then.
    if (this.#subscription) this.#readAhead(subscriber);
    if (selection.after !== null) {
      // Its catch-up is its first slot: batches cut from now on queue behind it, and what it replays is not
      // delivered again by them (every delivery moves its cursor). Batches cut before it are in the history it reads.
      const slot: Slot = { outcomes: [], done: false, queued: true };
      subscriber.slots.push(slot);
      this.#track(
        this.#resume(subscriber, slot)
          .catch((error) => {
            this.#options.logger.error('live resume failed', { error, field: selection.field });
            subscriber.stream.fail('the subscription could not resume; subscribe again', 'INTERNAL_SERVER_ERROR');
          })
          .finally(() => this.#fill(subscriber, slot, [])),
      );
    }
    return subscriber.stream;
  }

  /** What a subscriber's first changes would otherwise wait for, done when it subscribes (or when the feed starts). */
  #readAhead(subscriber: Subscriber) {
    this.#warmUp(subscriber);
    // A manager's filter is matched on the reporting lines: read them all now rather than worker by worker in batches.
    const { field, filter } = subscriber.selection;
    if (liveFields[field].managerFromReportingLines && filter.managerId != null) this.#track(this.#lines.loadEveryone(randomUUID()));
  }

  /**
   * A selection's first subscriber has the selection's resolution run at once, as itself, for no ids: the gateway
   * parses, validates and plans the document, opens connections to the subgraphs it calls, and the first subgraph
   * works out the caller's visibility (time: a manager's reports) — what the first change would otherwise wait for
   * (docs/benchmarks.md, 2026-12-08 "warm-up"). Once per selection (not per subscriber); the answer is dropped.
   */
  #warmUp(subscriber: Subscriber) {
    const field = liveFields[subscriber.selection.field];
    const key = selectionKey(subscriber.selection);
    if (!field.oneDocumentForAnyIds || this.#warmed.has(key) || this.#warmed.size >= maxWarmedSelections) return;
    this.#warmed.add(key);
    this.warmUps++;
    const resolution = field.resolution(subscriber.selection, []);
    this.#track(
      this.#options.execute(resolution.query, resolution.variables, subscriber.identity, randomUUID()).then(
        () => undefined,
        (error) => this.#options.logger.warn('live resolution could not be run ahead', { error, field: field.name }),
      ),
    );
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.#subscribers.values()) count += set.all.size;
    return count;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#subscription?.close();
    while (this.#work.size > 0) await Promise.all(this.#work);
    for (const set of this.#subscribers.values()) for (const subscriber of set.all) subscriber.stream.end();
  }

  #hasSubscribersFor(type: string): boolean {
    return Object.values(liveFields).some((field) => field.eventTypes.includes(type) && (this.#subscribers.get(field.name)?.all.size ?? 0) > 0);
  }

  #track(work: Promise<void>) {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work));
  }

  /**
   * A batch is cut `batchWindowMs` after its first event, while fewer than `concurrentBatches` are resolving: under
   * load the events that arrive meanwhile go out together in the next batch, resolved in one query per group of
   * identical subscribers, instead of one small batch (and one query per group) each.
   */
  #cut() {
    if (this.#closed || this.#timer || this.#pending.length === 0) return;
    if (this.#resolving >= this.#options.concurrentBatches || this.#inProgress >= this.#options.maxBatchesInProgress) return;
    this.#timer = setTimeout(() => this.#schedule(), this.#options.batchWindowMs);
  }

  #schedule() {
    this.#timer = null;
    const events = this.#pending;
    this.#pending = [];
    this.#resolving++;
    this.#inProgress++;
    // Every field's subscribers take their slots now, synchronously: a later batch's slots come after this one's.
    const immediate: Promise<void>[] = [];
    const fields = Object.values(liveFields).map((field) => {
      const subscribers = this.#subscribers.get(field.name);
      return subscribers ? this.#fanOut(field, events, subscribers, this.#queueSlot, immediate) : Promise.resolve();
    });
    // The next batch may start once the subscribers that wait for no facts are served.
    void Promise.allSettled(immediate).then(() => {
      this.#resolving--;
      this.#cut();
    });
    this.#track(
      Promise.all(fields)
        .then(() => undefined)
        .catch((error) => this.#options.logger.error('live delivery failed', { error, events: events.length }))
        .finally(() => {
          this.#inProgress--;
          this.#cut();
        }),
    );
  }

  /** Replays what changed after the subscriber's cursor into its first slot; an expired cursor ends its stream. */
  async #resume(subscriber: Subscriber, slot: Slot) {
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
      // Each part resolves into a slot of its own, then joins the catch-up slot, which is first: out they go.
      const partSlot: Slot = { outcomes: [], done: false, queued: false };
      await this.#fanOut(field, part, { candidates: () => [subscriber] }, () => partSlot);
      this.#fill(subscriber, slot, partSlot.outcomes, false);
    }
  }

  /** Where a subscriber's share of a live batch goes: a new slot at the end of its queue. */
  readonly #queueSlot = (subscriber: Subscriber): Slot => {
    const slot: Slot = { outcomes: [], done: false, queued: true };
    subscriber.slots.push(slot);
    return slot;
  };

  /** Adds outcomes to a slot (and marks it done unless more come), then delivers whatever is at the head of the queue. */
  #fill(subscriber: Subscriber, slot: Slot, outcomes: Outcome[], done = true) {
    if (!slot.queued) {
      slot.outcomes.push(...outcomes);
      slot.done ||= done;
      return;
    }
    for (const outcome of outcomes) {
      slot.outcomes.push(outcome);
      if (outcome.result) subscriber.held++;
    }
    slot.done ||= done;
    const slots = subscriber.slots;
    while (slots.length > 0 && !subscriber.stream.ended) {
      const head = slots[0];
      for (const outcome of head.outcomes) this.#deliver(subscriber, outcome);
      head.outcomes = [];
      if (!head.done) break;
      slots.shift();
    }
    if (subscriber.stream.ended) {
      slots.length = 0;
      subscriber.held = 0;
    } else if (subscriber.held + subscriber.stream.queued > this.#options.maxQueued) {
      slots.length = 0;
      subscriber.held = 0;
      subscriber.stream.overflow();
    }
  }

  #deliver(subscriber: Subscriber, { position, result }: Outcome) {
    if (result) subscriber.held--;
    // Replayed already (a catch-up reads events that live batches carry too): nothing at or before the cursor again.
    if (subscriber.after !== null && comparePositions(position, subscriber.after) <= 0) return;
    // Passed over (not visible to it) or delivered: either way it has been served through this change.
    subscriber.after = position;
    // The result (with its cursor) is shared by the group's subscribers that see it alike: it is never changed.
    if (result) subscriber.stream.push(result);
  }

  /**
   * One field's share of a batch. Synchronously, each subscriber whose filter can match the changes (on what the
   * events carry and the reporting lines know) takes a slot; then, per kind of facts still to be read, its members
   * are matched and resolved, each group of identical subscribers as soon as its facts are in.
   */
  async #fanOut(
    field: LiveField,
    events: PositionedEvent[],
    /** Who may be concerned: the field's subscribers (indexed), or the one catching up. */
    from: Pick<FieldSubscribers, 'candidates'>,
    slotFor: (subscriber: Subscriber) => Slot,
    /** Gets the work of the members that wait for no facts, synchronously. */
    immediate: Promise<void>[] = [],
  ): Promise<void> {
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
    const carried = [...byId.values()];
    const workers = field.managerFromReportingLines ? idsOf(carried.map((change) => change.facts.workerId)) : [];
    const linesKnown = this.#lines.knows(workers);
    const readKeys = field.readFacts?.keys ?? [];
    const statusSkip = field.statusAfterResolution ? ['status'] : [];
    const known = linesKnown ? this.#withManagers(field, carried) : carried;
    const unknownKeys = new Set<string>([...readKeys, ...(field.managerFromReportingLines && !linesKnown ? ['managerId'] : [])]);
    const now = Date.now();
    const subscribers = from.candidates(known, unknownKeys).filter((s) => !s.stream.ended && (s.expiresAt === null || s.expiresAt > now));
    if (subscribers.length === 0) return;

    // Members by what they wait for: nothing, the reporting lines (not all known yet), the facts query, or both.
    const tiers = new Map<string, Member[]>();
    const knownByFact = new ChangesByFact(known);
    for (const subscriber of subscribers) {
      const filter = subscriber.selection.filter;
      const wantsManager = field.managerFromReportingLines === true && filter.managerId != null;
      const wantsRead = readKeys.some((key) => filter[key] != null);
      const unknown = new Set([...statusSkip, ...(wantsManager && !linesKnown ? ['managerId'] : []), ...(wantsRead ? readKeys : [])]);
      const after = subscriber.after;
      const possible = knownByFact.for(subscriber, unknown).some((change) => (after === null || comparePositions(change.position, after) > 0) && matchesFilter(filter, change.facts, unknown));
      if (!possible) continue;
      const tier = `${wantsManager && !linesKnown ? 'lines' : ''}|${wantsRead ? 'read' : ''}`;
      const members = tiers.get(tier) ?? [];
      tiers.set(tier, members);
      members.push({ subscriber, slot: slotFor(subscriber) });
    }
    if (tiers.size === 0) return;

    let read: Promise<Map<string, Facts>> | null = null;
    const readOnce = () => (read ??= this.#readFacts(field, carried));
    let lines: Promise<void> | null = null;
    const linesOnce = () => (lines ??= this.#lines.load(workers, carried[0].correlationId));
    const work = [...tiers].map(async ([tier, members]) => {
      const served = new Set<Member>();
      try {
        const [needsLines, needsRead] = tier.split('|').map(Boolean);
        const [, facts] = await Promise.all([needsLines ? linesOnce() : null, needsRead ? readOnce() : null]);
        const changes = this.#withManagers(field, facts ? carried.map((change) => ({ ...change, facts: { ...change.facts, ...facts.get(change.id) } })) : carried);
        await this.#resolveMembers(field, changes, members, served);
      } finally {
        // Whatever failed (logged below or by the batch), no subscriber's queue may wait on this slot forever.
        for (const member of members) if (!served.has(member)) this.#fill(member.subscriber, member.slot, []);
      }
    });
    const waitsForNothing = [...tiers.keys()].indexOf('|');
    if (waitsForNothing >= 0) immediate.push(work[waitsForNothing]);
    await Promise.all(work);
  }

  /** The changes with each one's manager from the reporting lines (unknown: undefined, which matches no filter). */
  #withManagers(field: LiveField, changes: PositionedChange[]): PositionedChange[] {
    if (!field.managerFromReportingLines) return changes;
    return changes.map((change) => ({ ...change, facts: { ...change.facts, managerId: this.#lines.managerOf(change.facts.workerId ?? '') } }));
  }

  /** Matches each member against the changes with their facts, resolves one query per group, fills their slots. */
  async #resolveMembers(field: LiveField, changes: PositionedChange[], members: Member[], served: Set<Member>) {
    const skip = new Set(field.statusAfterResolution ? ['status'] : []);
    const groups = new Map<string, { identity: Identity; selection: LiveSelection; members: { member: Member; matched: PositionedChange[] }[]; ids: Set<string> }>();
    const byFact = new ChangesByFact(changes);
    for (const member of members) {
      const { selection, after } = member.subscriber;
      const matched = byFact.for(member.subscriber).filter((change) => (after === null || comparePositions(change.position, after) > 0) && matchesFilter(selection.filter, change.facts, skip));
      if (matched.length === 0) {
        // Nothing for it after all: its later batches need not wait for this one's queries.
        served.add(member);
        this.#fill(member.subscriber, member.slot, []);
        continue;
      }
      const key = member.subscriber.groupKey;
      const group = groups.get(key) ?? { identity: member.subscriber.identity, selection, members: [], ids: new Set() };
      groups.set(key, group);
      group.members.push({ member, matched });
      for (const change of matched) group.ids.add(change.id);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const correlationId = changes.find((c) => group.ids.has(c.id))!.correlationId;
        let resolved: Resolved;
        try {
          resolved = await this.#resolve(field, group.selection, [...group.ids], group.identity, correlationId);
        } catch (error) {
          this.#options.logger.error('live resolution failed', { error, field: field.name, entities: group.ids.size });
          return;
        }
        // One result per change for all members that see it alike (same payload key and, where it applies after
        // resolution, the same status filter): the members of a group differ only in those and in their filters.
        const shared = new Map<string, FormattedExecutionResult | null>();
        const sharedResult = (selection: LiveSelection, change: PositionedChange) => {
          const variant = `${change.id}\u0000${selection.responseKey}\u0000${field.statusAfterResolution ? JSON.stringify(selection.filter.status ?? null) : ''}`;
          if (!shared.has(variant)) {
            const result = resultFor(field, selection, change.id, resolved);
            shared.set(variant, result && { ...result, extensions: { [cursorExtension]: change.position } });
          }
          return shared.get(variant)!;
        };
        for (const { member, matched } of group.members) {
          const outcomes = matched.map((change) => ({ position: change.position, result: sharedResult(member.subscriber.selection, change) }));
          served.add(member);
          this.#fill(member.subscriber, member.slot, outcomes);
        }
      }),
    );
  }

  /** The facts subscribers filter on and the events do not carry, read once for the batch as the gateway. */
  async #readFacts(field: LiveField, changes: PositionedChange[]): Promise<Map<string, Facts>> {
    const read = new Map<string, Facts>();
    for (const part of chunks(changes, MAX_PAGE_SIZE)) {
      const query = field.readFacts!.query(part);
      const { data, errors } = await this.#options.execute(query.query, query.variables, gatewayIdentity, part[0].correlationId);
      if (errors?.length || !data) {
        this.#options.logger.error('live filter facts could not be read', { field: field.name, errors });
        continue;
      }
      for (const [id, facts] of query.read(data)) read.set(id, facts);
    }
    // An entity whose facts could not be read matches no filter on them (unknown is not equal).
    return read;
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

/** Events the feed takes from the bus at once, at most (they are only recorded and queued there). */
const liveFeedBatchSize = 500;

/** Selections run ahead of their first change, at most (a selection's variables are the client's: no unbounded set). */
const maxWarmedSelections = 1000;

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
