import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import {
  countFailure,
  PartlyPublished,
  type BatchDelivery,
  type BusHealth,
  type EventBus,
  type FailureCount,
  type PositionedEvent,
  type ProducerSpan,
  type ReplayChannel,
  type SubscribeOptions,
  type Subscription,
} from './bus.ts';
import { backoffMs } from './backoff.ts';
import { memoryCheckpoints } from './checkpoints.ts';
import type { DomainEvent } from './envelope.ts';
import { consuming, consumingBatch } from './trace-context.ts';
import { outsideAnyTrace } from '../tracing/spans.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { isUnreachable, NotReachable } from '../startup.ts';
import type { EventPosition } from './position.ts';
import { SequenceTracker, sourceOfType, type ReplayRequest } from './sequence-tracker.ts';

/**
 * ioredis, loaded when a Redis bus is made: the embedded default's in-process bus never needs it, and every process
 * that imports this module (the gateway checks for a Redis bus) would otherwise load it at start (docs/benchmarks.md
 * "Start-up").
 */
const redisClient = () => (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;

export interface RedisBusOptions {
  readonly url: string;
  /** The stream key; one stream keeps one order across all sources. Default `psgraph:events`. */
  readonly stream?: string;
  /** Approximate retention in entries (XADD MAXLEN ~). Default 1,000,000. */
  readonly maxLength?: number;
  /** This process's consumer name inside each group; stable across restarts so its pending entries resume. */
  readonly consumerName?: string;
  /** Entries pending longer than this on a consumer that went away are claimed by a live one. Default 60 s. */
  readonly claimIdleMs?: number;
  /** How long a consumer waits for a replay it asked for before asking again. Default 10 s. */
  readonly replayRetryMs?: number;
  /** How long a process holds a group's reading lease without renewing it (replicas take over after). Default 15 s. */
  readonly ownerLeaseMs?: number;
  readonly logger?: Logger;
}

type StreamEntries = Array<[id: string, fields: string[]]>;
/** A group's read as Redis sent it, undecoded: most of a spike's entries are skipped, and need not become strings. */
type RawStreamEntries = Array<[id: Buffer, fields: Buffer[]]>;

/** What a group needs of an entry whose type it does not take: where it stands in its producer's sequence. */
type EventHeader = Pick<DomainEvent, 'type' | 'source' | 'sequence'>;

/** A stream entry as read: its event decoded, or only its header when the group does not take its type. */
interface ReadEntry {
  readonly id: string;
  readonly event: DomainEvent | EventHeader;
}

const isWhole = (event: DomainEvent | EventHeader): event is DomainEvent => 'id' in event;

/** An event as the stream holds it: its header beside it, so a group need not decode the events it skips. */
const entryFields = (event: DomainEvent<unknown>) => ['type', event.type, 'source', event.source, 'sequence', String(event.sequence ?? ''), 'event', JSON.stringify(event)];

/**
 * An entry as a group reads it: a type the group does not take leaves its event undecoded (only the header, from the
 * fields beside it), since every group reads every entry of the one stream and in a spike most are other groups'
 * events. An entry written before entries had headers (the event alone) is decoded whole.
 */
function entryFor([rawId, fields]: RawStreamEntries[number], takes: ReadonlySet<string>): ReadEntry {
  const id = rawId.toString();
  // entryFields' order: type, source, sequence, event.
  if (fields[0].toString() === 'type') {
    const type = fields[1].toString();
    if (!takes.has(type)) {
      const sequence = fields[5].toString();
      return { id, event: { type, source: fields[3].toString(), ...(sequence ? { sequence: Number(sequence) } : {}) } };
    }
  }
  const at = fields.findIndex((field, index) => index % 2 === 0 && field.toString() === 'event');
  return { id, event: JSON.parse(fields[at + 1].toString()) as DomainEvent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers a replay request unless a lower one arrived meanwhile (that one is served on the next pass). */
const answerScript = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) >= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`;

/** Takes or renews a group's reading lease for ARGV[1]: 1 when this process holds it now. */
const holdScript = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/** Lets a group's reading lease go, if this process still holds it. */
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Redis Streams with consumer groups: durable, resumable, at least once (XACK after the handler succeeds). Redis may
 * still lose what it holds (a restart without persistence, FLUSHALL, a failover to an empty replica): a consumer then
 * recreates its group and asks the producers, through `replay`, for what it had not handled; its checkpoints
 * (`SubscribeOptions.checkpoints`) say exactly where it stood. While Redis is unreachable, commands wait and the
 * connection retries (ioredis), logged once when it goes and once when it comes back.
 *
 * One process reads a group at a time (a lease per group in Redis, renewed as it reads): replicas of a subgraph stand
 * by and take over when the reader goes away, from the group's saved checkpoints. Competing readers would split each
 * producer's sequence between them, and a group must see it whole, in order.
 */
export class RedisBus implements EventBus {
  readonly #client: Redis;
  readonly #options: Required<Omit<RedisBusOptions, 'logger'>>;
  readonly #logger: Logger;
  /** Live subscriptions, with the group each reads and where it stands with each producer. */
  readonly #subscriptions = new Map<Subscription, { group: string; tracker: SequenceTracker }>();
  #health: BusHealth = { connected: false, since: new Date().toISOString() };
  readonly replay: ReplayChannel;

  constructor(options: RedisBusOptions) {
    this.#options = {
      url: options.url,
      stream: options.stream ?? 'psgraph:events',
      maxLength: options.maxLength ?? 1_000_000,
      consumerName: options.consumerName ?? `${hostname()}`,
      claimIdleMs: options.claimIdleMs ?? 60_000,
      replayRetryMs: options.replayRetryMs ?? 10_000,
      ownerLeaseMs: options.ownerLeaseMs ?? 15_000,
    };
    this.#logger = options.logger ?? silentLogger;
    this.#client = new (redisClient())(options.url, {
      lazyConnect: false,
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.#watch();
    this.replay = this.#replayChannel();
  }

  /** The bus's command connection (blocking reads have their own), which the gateway's rate limits share. */
  get client(): Redis {
    return this.#client;
  }

  get stream(): string {
    return this.#options.stream;
  }

  health(): BusHealth {
    return this.#health;
  }

  /** One log line when the connection goes and one when it is back, whatever the number of reconnect attempts. */
  #watch() {
    const set = (connected: boolean) => {
      if (this.#health.connected === connected) return;
      const downSince = this.#health.since;
      this.#health = { connected, since: new Date().toISOString() };
      if (connected) this.#logger.info('event bus connected to Redis', { stream: this.#options.stream, downSince });
      else this.#logger.error('event bus lost its Redis connection; reconnecting', { stream: this.#options.stream });
    };
    this.#client.on('ready', () => set(true));
    this.#client.on('close', () => set(false));
    this.#client.on('error', () => undefined);
  }

  #replayChannel(): ReplayChannel {
    const requests = `${this.#options.stream}:replay`;
    const heads = `${this.#options.stream}:heads`;
    const floors = `${this.#options.stream}:floors`;
    const client = this.#client;
    return {
      async request(source, from) {
        await client.zadd(requests, 'LT', from, source);
      },
      async requested(source) {
        const score = await client.zscore(requests, source);
        return score === null ? null : Number(score);
      },
      async answered(source, from) {
        await client.eval(answerScript, 1, requests, source, String(from));
      },
      async advertise(source, span) {
        const writes = client.multi();
        if (span.head !== undefined) writes.hset(heads, source, String(span.head));
        if (span.floor !== undefined) writes.hset(floors, source, String(span.floor));
        await writes.exec();
      },
      async advertised(sources) {
        const spans = new Map<string, ProducerSpan>();
        if (sources.length === 0) return spans;
        const [headValues, floorValues] = await Promise.all([client.hmget(heads, ...sources), client.hmget(floors, ...sources)]);
        sources.forEach((source, index) => {
          const head = headValues[index];
          const floor = floorValues[index];
          spans.set(source, { ...(head === null ? {} : { head: Number(head) }), ...(floor === null ? {} : { floor: Number(floor) }) });
        });
        return spans;
      },
    };
  }

  async publish(event: DomainEvent<unknown>): Promise<void> {
    const { stream, maxLength } = this.#options;
    await this.#client.xadd(stream, 'MAXLEN', '~', String(maxLength), '*', ...entryFields(event));
  }

  /**
   * The relay's rows in one round trip (a pipeline of XADDs, applied in order): a spike's events are not published one
   * network wait at a time. Rejects with `PartlyPublished` at the first that Redis did not take.
   */
  async publishAll(events: readonly DomainEvent<unknown>[]): Promise<void> {
    if (events.length === 0) return;
    const { stream, maxLength } = this.#options;
    const pipeline = this.#client.pipeline();
    for (const event of events) pipeline.xadd(stream, 'MAXLEN', '~', String(maxLength), '*', ...entryFields(event));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.findIndex(([error]) => error);
    if (results.length < events.length || failed >= 0) {
      const published = failed >= 0 ? failed : results.length;
      const errors = results.flatMap(([error]) => (error ? [error] : []));
      throw new PartlyPublished(published, errors, `Redis took ${published} of ${events.length} events`);
    }
  }

  async idle(): Promise<boolean> {
    const { stream } = this.#options;
    const ours = new Set<string>();
    for (const { group, tracker } of this.#subscriptions.values()) {
      // A group waiting for a replay has not handled everything published, whatever Redis says.
      if (tracker.waiting) return false;
      ours.add(group);
    }
    const groups = (await this.#client.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
    let last: string | undefined;
    let present = 0;
    for (const fields of groups) {
      const info = new Map<string, unknown>();
      for (let index = 0; index < fields.length; index += 2) info.set(String(fields[index]), fields[index + 1]);
      if (!ours.has(String(info.get('name')))) continue;
      present++;
      if (Number(info.get('pending')) > 0) return false;
      const lag = info.get('lag');
      if (lag !== null && lag !== undefined) {
        if (Number(lag) > 0) return false;
        continue;
      }
      // Redis cannot tell the lag (entries were trimmed or deleted): compare with the stream's last entry instead.
      if (last === undefined) {
        const streamInfo = (await this.#client.xinfo('STREAM', stream)) as unknown[];
        last = String(streamInfo[streamInfo.indexOf('last-generated-id') + 1]);
      }
      if (String(info.get('last-delivered-id')) !== last) return false;
    }
    // A group Redis lost is recreated by its consumer, which then asks for what it missed: not idle until then.
    return present === ours.size;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const { stream, consumerName, claimIdleMs } = this.#options;
    const { group } = options;
    const logger = this.#logger.child({ group });
    const checkpoints = options.checkpoints ?? memoryCheckpoints();
    const tracker = new SequenceTracker(this.#options.replayRetryMs);
    const saved = await checkpoints.load(group);
    tracker.restore(saved);
    const sources = new Set(options.types.map(sourceOfType));
    const takes = new Set(options.types);
    const subscribedAt = Date.now();
    /** The last entry this group handled here: a group recreated after Redis lost it resumes after it. */
    let lastId: string | null = null;
    const connection = this.#client.duplicate();
    // Its outages are the main connection's too, and logged there (#watch).
    connection.on('error', () => undefined);
    /**
     * Entries of the current read that are done with (handled, parked, or not the group's), acknowledged together when
     * the read is through or stops: one XACK per read, not one per entry. Every group reads every entry of the stream,
     * and a spike's entries are mostly other groups' types.
     */
    const done: string[] = [];
    const acknowledgeDone = async () => {
      if (done.length > 0) await connection.xack(stream, group, ...done.splice(0));
    };
    let stopped = false;
    let lastClaim = 0;
    let lastGapCheck = 0;
    const ownerKey = `${stream}:owner:${group}`;
    const instance = `${consumerName}:${randomUUID()}`;
    const { ownerLeaseMs } = this.#options;
    let owner = false;
    let renewedAt = 0;

    /** Whether this process reads the group now; renewed a few times per lease period, not on every event. */
    const hold = async (): Promise<boolean> => {
      if (owner && Date.now() - renewedAt < ownerLeaseMs / 3) return true;
      const held = (await this.#client.eval(holdScript, 1, ownerKey, instance, String(ownerLeaseMs))) === 1;
      renewedAt = Date.now();
      if (held && !owner) {
        // Taking over: the group's previous reader may have gone further than this process knows.
        tracker.restore(await checkpoints.load(group));
        lastClaim = 0;
      }
      if (!held && owner) logger.warn('another process reads this consumer group now; standing by');
      owner = held;
      return held;
    };
    const failures = new Map<string, FailureCount>();

    const askForReplays = async (requests: readonly ReplayRequest[]) => {
      for (const { source, from } of requests) {
        await this.replay.request(source, from);
        logger.warn('asked a producer to replay events this group missed', { source, from });
      }
    };

    /** Its group or the stream vanished (Redis restarted empty, FLUSHALL, failover): recreate it, ask for the rest. */
    const recover = async () => {
      const created = await this.#createGroup(group, lastId ?? (options.startAt === 'end' ? `${subscribedAt}-0` : '0'));
      if (created) logger.warn('consumer group was missing in Redis (Redis lost its data?); recreated it', { stream });
      await askForReplays(tracker.lost(sources, options.startAt !== 'end', Date.now()));
      await checkpoints.save(group, tracker.takeChanged());
    };

    /** While a gap is open: close it if the producer has nothing more, skip what it no longer keeps, ask again. */
    const checkGaps = async () => {
      if (!tracker.waiting || Date.now() - lastGapCheck < 1000) return;
      lastGapCheck = Date.now();
      const open = tracker.openSources();
      for (const [source, span] of await this.replay.advertised(open)) {
        if (span.floor !== undefined) {
          const skipped = tracker.skipTo(source, span.floor);
          if (skipped > 0) logger.error('events were pruned from their outbox before this group got them', { source, skipped });
        }
        if (span.head !== undefined) tracker.caughtUp(source, span.head);
      }
      await askForReplays(tracker.due(Date.now()));
      await checkpoints.save(group, tracker.takeChanged());
    };

    /**
     * A handler failed: true once the event is parked as a dead letter (it then counts as handled), else false after
     * the backoff, and the entry is delivered again.
     */
    const failed = async (event: DomainEvent, error: unknown): Promise<boolean> => {
      const { failure, transient, park } = countFailure(failures, event.id, error, options.deadLetters);
      const about = { eventId: event.id, type: event.type, attempts: failure.attempts };
      if (park) {
        try {
          await options.deadLetters!.park(event, error, failure);
          failures.delete(event.id);
          logger.error('event handler keeps failing; parked the event as a dead letter', { ...about, error });
          return true;
        } catch (parkError) {
          logger.error('could not park a failing event; will retry', { ...about, error: parkError });
        }
      }
      const retryInMs = backoffMs(failure.failed);
      logger.error('event handler failed; will retry', { ...about, attempt: failure.failed, transient, retryInMs, error });
      await sleep(retryInMs);
      return false;
    };

    /** An entry whose type the group does not take: it only moves the group along its producer's sequence. */
    const passOver = (id: string, event: DomainEvent | EventHeader) => {
      if (sources.has(event.source)) {
        const verdict = tracker.verdict(event.source, event.sequence);
        if (verdict === 'gap') lastGapCheck = 0;
        if (verdict === 'handle') tracker.handled(event.source, event.sequence);
      }
      done.push(id);
      lastId = id;
    };

    /** One entry the single-event way; false when it is to be delivered again (after the backoff). */
    const handleEntry = async (id: string, event: DomainEvent | EventHeader): Promise<boolean> => {
      if (!owns(event)) {
        passOver(id, event);
        return true;
      }
      const verdict = tracker.verdict(event.source, event.sequence);
      if (verdict === 'gap') lastGapCheck = 0;
      if (verdict === 'handle') {
        try {
          await consuming(group, event, () => options.handler(event, { position: id }));
          failures.delete(event.id);
        } catch (error) {
          if (!(await failed(event, error))) return false;
        }
        tracker.handled(event.source, event.sequence);
      }
      done.push(id);
      lastId = id;
      return true;
    };

    /**
     * The entries a batch takes from the first of `read` on: those the tracker would hand over one after the other
     * (no duplicate, no gap), with at most `maxEvents` of the group's own; entries of other producers and types ride
     * along, to be acknowledged with it.
     */
    const batchFrom = (read: readonly ReadEntry[], maxEvents: number): ReadEntry[] => {
      const run = tracker.expectedRun(read.map(({ event }) => (sources.has(event.source) ? event : { source: event.source })));
      const taken: ReadEntry[] = [];
      let own = 0;
      for (const entry of read.slice(0, run)) {
        if (owns(entry.event) && ++own > maxEvents) break;
        taken.push(entry);
      }
      return taken;
    };
    const owns = (event: DomainEvent | EventHeader): event is DomainEvent => isWhole(event) && sources.has(event.source) && takes.has(event.type);

    /** Runs the batch handler on `taken`'s own events and acknowledges them all; false when the handler threw. */
    const handleBatch = async (taken: readonly ReadEntry[], batch: BatchDelivery): Promise<boolean> => {
      const own = taken.filter((entry): entry is ReadEntry & { event: DomainEvent } => owns(entry.event));
      if (own.length > 0) {
        const events = own.map(({ event }) => event);
        try {
          await consumingBatch(group, events, () => batch.handler(events, own.map(({ id }) => ({ position: id }))));
        } catch (error) {
          logger.warn('batch handler failed; handling its events one at a time', { events: events.length, error });
          return false;
        }
      }
      for (const { event } of taken) {
        if (sources.has(event.source)) tracker.handled(event.source, event.sequence);
        if (isWhole(event)) failures.delete(event.id);
      }
      done.push(...taken.map(({ id }) => id));
      lastId = taken[taken.length - 1].id;
      return true;
    };

    const handle = async (read: readonly ReadEntry[]): Promise<boolean> => {
      try {
        let index = 0;
        while (index < read.length) {
          if (!options.batch && !owns(read[index].event)) {
            // Nothing to run: no lease to check, no turn to wait for. It is acknowledged with the read.
            passOver(read[index].id, read[index].event);
            index++;
            continue;
          }
          // The lease ran out mid-read (a long pause): what is left stays pending for the new reader to claim.
          if (!(await hold())) return false;
          const taken = options.batch ? batchFrom(read.slice(index), Math.max(1, options.batch.maxEvents)) : [];
          if (taken.length > 0 && !(await handleBatch(taken, options.batch!))) {
            // The batch failed: its events one at a time, each with its own retries, failure count and dead letter.
            for (const { id, event } of taken) {
              if (!(await hold())) return false;
              if (!(await handleEntry(id, event))) return false;
            }
          }
          if (taken.length > 0) {
            index += taken.length;
            continue;
          }
          if (!(await handleEntry(read[index].id, read[index].event))) return false;
          index++;
        }
        return true;
      } finally {
        // Also when the read stops halfway (a handler failing, the lease lost): what was done before stays done.
        await acknowledgeDone();
        await checkpoints.save(group, tracker.takeChanged());
      }
    };

    // A group taking batches reads at least a batch's worth at a time (other types among them ride along).
    const readCount = Math.max(100, options.batch?.maxEvents ?? 0);
    const loop = async () => {
      // Our own pending entries first (delivered before a restart, never acknowledged), then new ones.
      let cursor = '0';
      let failedReads = 0;
      while (!stopped) {
        try {
          if (!(await hold())) {
            await sleep(1000);
            continue;
          }
          await checkGaps();
          if (Date.now() - lastClaim > claimIdleMs) {
            lastClaim = Date.now();
            await connection.xautoclaim(stream, group, consumerName, claimIdleMs, '0-0', 'COUNT', 100);
            cursor = '0';
          }
          const reply = (await (connection as any).xreadgroupBuffer(
            'GROUP', group, consumerName, 'COUNT', readCount,
            ...(cursor === '>' ? ['BLOCK', 1000] : []),
            'STREAMS', stream, cursor,
          )) as Array<[Buffer, RawStreamEntries]> | null;
          failedReads = 0;
          const entries = reply?.[0]?.[1] ?? [];
          if (cursor === '0' && entries.length === 0) {
            cursor = '>';
            continue;
          }
          if (!(await handle(entries.map((entry) => entryFor(entry, takes))))) cursor = '0';
        } catch (error) {
          if (stopped) return;
          cursor = '0';
          if (String(error).includes('NOGROUP')) {
            await recover().catch((recoverError) => logger.error('could not recreate the consumer group', { error: recoverError }));
            continue;
          }
          failedReads++;
          // Once, then every 30th: an outage is logged by the connection's own transitions (#watch).
          if (failedReads % 30 === 1) logger.error('event bus read failed; retrying', { error, failedReads });
          await sleep(backoffMs(failedReads));
        }
      }
    };

    if ((await this.#createGroup(group, options.startAt === 'end' ? '$' : '0')) && saved.size > 0) {
      // A group this consumer had read before is gone: Redis lost it while this process was away.
      logger.warn('consumer group was missing in Redis at start (Redis lost its data?); recreated it', { stream });
      await askForReplays(tracker.lost(sources, options.startAt !== 'end', Date.now()));
      await checkpoints.save(group, tracker.takeChanged());
    }
    // Its reads belong to no request, even when a request's first subscriber started it; each event gets its own span.
    const running = outsideAnyTrace(loop);
    const subscription: Subscription = {
      close: async () => {
        stopped = true;
        connection.disconnect();
        await running;
        // A replica (or this group's next subscriber) takes over at once instead of waiting for the lease to expire.
        if (owner) await Promise.race([this.#client.eval(releaseScript, 1, ownerKey, instance).catch(() => undefined), sleep(1000)]);
        if (options.ephemeral) await Promise.race([this.#client.xgroup('DESTROY', stream, group).catch(() => undefined), sleep(1000)]);
        this.#subscriptions.delete(subscription);
      },
    };
    this.#subscriptions.set(subscription, { group, tracker });
    return subscription;
  }

  /** Creates the group at `from` (and the stream if missing); false when it existed. */
  async #createGroup(group: string, from: string): Promise<boolean> {
    try {
      await this.#client.xgroup('CREATE', this.#options.stream, group, from, 'MKSTREAM');
      return true;
    } catch (error) {
      if (String(error).includes('BUSYGROUP')) return false;
      throw error;
    }
  }

  async readAfter(position: EventPosition, count: number): Promise<PositionedEvent[] | null> {
    const { stream } = this.#options;
    // Trimming removes the oldest entries: if `position` itself (or anything before it) is still held, so is all after.
    const held = (await this.#client.xrevrange(stream, position, '-', 'COUNT', 1)) as StreamEntries;
    if (held.length === 0) return null;
    const entries = (await this.#client.xrange(stream, `(${position}`, '+', 'COUNT', count)) as StreamEntries;
    return entries.map(([id, fields]) => ({ position: id, event: JSON.parse(fields[fields.indexOf('event') + 1]) as DomainEvent }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions.keys()].map((subscription) => subscription.close()));
    this.#client.disconnect();
  }
}

/**
 * One connection attempt to Redis at start-up (lib/startup.ts `waitFor` repeats it): resolves once a PING answers;
 * NotReachable while nothing listens there, a plain error when Redis answers but refuses us (password, TLS).
 */
export async function pingRedis(url: string): Promise<void> {
  const client = new (redisClient())(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 5_000, enableOfflineQueue: false });
  // The socket's error (ECONNREFUSED) arrives as an event; connect() itself only says "Connection is closed".
  let socketError: unknown;
  client.on('error', (error) => (socketError = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    for (const cause of [error, socketError]) if (isUnreachable(cause)) throw new NotReachable(cause.code);
    if (error instanceof Error && /Connection is closed|ETIMEDOUT/i.test(error.message)) throw new NotReachable('connection closed');
    throw error;
  } finally {
    client.disconnect();
  }
}
