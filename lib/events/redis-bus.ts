import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { EventBus, PositionedEvent, SubscribeOptions, Subscription } from './bus.ts';
import type { DomainEvent } from './envelope.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import type { EventPosition } from './position.ts';

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
  readonly logger?: Logger;
}

type StreamEntries = Array<[id: string, fields: string[]]>;

/** Redis Streams with consumer groups: durable, resumable, at least once (XACK after the handler succeeds). */
export class RedisBus implements EventBus {
  readonly #client: Redis;
  readonly #options: Required<Omit<RedisBusOptions, 'logger'>>;
  readonly #logger: Logger;
  readonly #subscriptions = new Set<Subscription>();
  /** The groups this bus's live subscriptions read (a group left behind by a closed subscriber is not waited for). */
  readonly #groups = new Map<Subscription, string>();

  constructor(options: RedisBusOptions) {
    this.#options = {
      url: options.url,
      stream: options.stream ?? 'psgraph:events',
      maxLength: options.maxLength ?? 1_000_000,
      consumerName: options.consumerName ?? `${hostname()}`,
      claimIdleMs: options.claimIdleMs ?? 60_000,
    };
    this.#logger = options.logger ?? silentLogger;
    this.#client = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: null });
  }

  get stream(): string {
    return this.#options.stream;
  }

  async publish(event: DomainEvent<unknown>): Promise<void> {
    const { stream, maxLength } = this.#options;
    await this.#client.xadd(stream, 'MAXLEN', '~', String(maxLength), '*', 'event', JSON.stringify(event));
  }

  async idle(): Promise<boolean> {
    const { stream } = this.#options;
    const ours = new Set(this.#groups.values());
    const groups = (await this.#client.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
    let last: string | undefined;
    for (const fields of groups) {
      const info = new Map<string, unknown>();
      for (let index = 0; index < fields.length; index += 2) info.set(String(fields[index]), fields[index + 1]);
      if (!ours.has(String(info.get('name')))) continue;
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
    return true;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const { stream, consumerName, claimIdleMs } = this.#options;
    try {
      // `0`: from the start of the retained stream, so a group created after events were published still sees them;
      // `$`: from the stream's end, for a group that only wants what happens from now on.
      await this.#client.xgroup('CREATE', stream, options.group, options.startAt === 'end' ? '$' : '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
    const connection = this.#client.duplicate();
    let stopped = false;
    let lastClaim = 0;

    const handle = async (entries: StreamEntries): Promise<boolean> => {
      for (const [id, fields] of entries) {
        const event = JSON.parse(fields[fields.indexOf('event') + 1]) as DomainEvent;
        if (options.types.includes(event.type)) {
          try {
            await options.handler(event, { position: id });
          } catch (error) {
            this.#logger.error('event handler failed; will retry', { group: options.group, eventId: event.id, error });
            return false;
          }
        }
        await connection.xack(stream, options.group, id);
      }
      return true;
    };

    const loop = async () => {
      // Our own pending entries first (delivered before a restart, never acknowledged), then new ones.
      let cursor = '0';
      while (!stopped) {
        try {
          if (Date.now() - lastClaim > claimIdleMs) {
            lastClaim = Date.now();
            await connection.xautoclaim(stream, options.group, consumerName, claimIdleMs, '0-0', 'COUNT', 100);
            cursor = '0';
          }
          const reply = (await (connection as any).xreadgroup(
            'GROUP', options.group, consumerName, 'COUNT', 100,
            ...(cursor === '>' ? ['BLOCK', 1000] : []),
            'STREAMS', stream, cursor,
          )) as Array<[string, StreamEntries]> | null;
          const entries = reply?.[0]?.[1] ?? [];
          if (cursor === '0' && entries.length === 0) {
            cursor = '>';
            continue;
          }
          const ok = await handle(entries);
          if (!ok) {
            cursor = '0';
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        } catch (error) {
          if (stopped) return;
          this.#logger.error('event bus read failed; retrying', { group: options.group, error });
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    };
    const running = loop();
    const subscription: Subscription = {
      close: async () => {
        stopped = true;
        connection.disconnect();
        await running;
        this.#subscriptions.delete(subscription);
        this.#groups.delete(subscription);
      },
    };
    this.#subscriptions.add(subscription);
    this.#groups.set(subscription, options.group);
    return subscription;
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
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    this.#client.disconnect();
  }
}
