import { randomUUID } from 'node:crypto';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import { comparePositions, type EventPosition } from '../../lib/events/position.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import type { Logger } from '../../lib/logger.ts';
import { webhookEventTypes } from '../../subgraphs/hcm/webhooks-event-types.ts';
import type { EntityCache } from './entity-cache.ts';

/** Every domain event type any subgraph publishes (hcm's webhook catalogue, which fails the build when one is missing). */
const everyEventType: readonly string[] = webhookEventTypes;

/** The gateway instances of this process by bus: a mutation through one drops the others' caches too (in-process bus). */
const instancesByBus = new WeakMap<EventBus, Set<EntityCache>>();

/** The bus's consumer groups that are not the gateway's own: the subgraphs', whose handlers change subgraph data. */
const isSubgraphGroup = (name: string) => !name.startsWith('gateway.');

/** How long the cache may stay held for one group's lag before the log says which group holds it. */
const lagWarningMs = 30_000;

export interface EntityCacheInvalidation {
  /** A mutation went through this instance: drop everything here now and on every other instance. */
  mutated(): void;
  close(): Promise<void>;
}

/**
 * Keeps the entity cache exact, conservatively: every domain event drops everything (an event may change derived
 * fields and lists of other entities, and other subgraphs' data through their consumers), on every gateway instance
 * (each is its own consumer group); a mutation through any instance drops everything on all of them (some writes
 * publish no event: a delegation, a draft's edit); the bus away holds the cache (serves and keeps nothing) until it
 * is back. On Redis, where each consumer group reads at its own pace, an event also holds the cache until every
 * subgraph consumer group has handled it: a subgraph that writes while consuming it without publishing anything of its
 * own (erp's cost posting of non-billable time, its copy of a legal entity's currency) has then committed. The
 * in-process bus hands an event to the groups one after another, the subgraphs' (subscribed as they start) before
 * the gateway's, so there the event itself arrives after its consumers' writes.
 */
export async function keepEntityCacheExact(
  cache: EntityCache,
  options: { bus: EventBus; group: string; logger: Logger },
): Promise<EntityCacheInvalidation> {
  const { bus, group, logger } = options;
  const redis = bus instanceof RedisBus ? bus : null;
  const settle = redis ? settleOnRedis(cache, redis, logger) : null;
  const events: Subscription = await bus.subscribe({
    group,
    types: everyEventType,
    startAt: 'end',
    ephemeral: true,
    handler: async (_event, { position }) => {
      cache.invalidate('event');
      settle?.after(position);
    },
  });
  const peers = redis ? await redisPeers(cache, redis) : processPeers(cache, bus);

  let busHold: (() => void) | null = null;
  const watchBus = bus.health
    ? setInterval(() => {
        const connected = bus.health!().connected;
        if (!connected && !busHold) busHold = cache.hold('bus');
        if (connected && busHold) {
          busHold();
          busHold = null;
        }
      }, 100)
    : null;
  watchBus?.unref();

  return {
    mutated() {
      cache.invalidate('mutation');
      peers.tell();
    },
    async close() {
      if (watchBus) clearInterval(watchBus);
      settle?.close();
      await events.close();
      await peers.close();
    },
  };
}

/** Mutations told to the other gateway instances of this process (they share the in-process bus). */
function processPeers(cache: EntityCache, bus: EventBus) {
  let instances = instancesByBus.get(bus);
  if (!instances) instancesByBus.set(bus, (instances = new Set()));
  instances.add(cache);
  return {
    tell() {
      for (const other of instances) if (other !== cache) other.invalidate('peer-mutation');
    },
    async close() {
      instances.delete(cache);
    },
  };
}

/**
 * Mutations told to the other gateway instances through Redis pub/sub on the bus's Redis. A notice is not durable: an
 * instance whose connection was away when it was sent was holding its cache meanwhile (the bus watch), and drops
 * everything when it is back.
 */
async function redisPeers(cache: EntityCache, bus: RedisBus) {
  const channel = `${bus.stream}:entity-cache`;
  const me = randomUUID();
  const listener = bus.client.duplicate();
  listener.on('error', () => undefined);
  listener.on('message', (_channel: string, origin: string) => {
    if (origin !== me) cache.invalidate('peer-mutation');
  });
  await listener.subscribe(channel);
  return {
    tell() {
      bus.client.publish(channel, me).catch(() => undefined);
    },
    async close() {
      listener.disconnect();
    },
  };
}

/**
 * On Redis: after an event at `position`, the cache is held until every subgraph consumer group has read past it and
 * acknowledged everything up to it (XINFO GROUPS, XPENDING), then released (dropping everything again).
 */
function settleOnRedis(cache: EntityCache, bus: RedisBus, logger: Logger) {
  let target: EventPosition | null = null;
  let release: (() => void) | null = null;
  let heldSince = 0;
  let warned = false;
  let timer: NodeJS.Timeout | null = null;
  /** A check is scheduled or running: one at a time. */
  let checking = false;
  let closed = false;

  /** The first subgraph group that has not handled everything up to `upTo`, or null. */
  async function laggingGroup(upTo: EventPosition): Promise<string | null> {
    const groups = (await bus.client.xinfo('GROUPS', bus.stream)) as unknown[][];
    for (const fields of groups) {
      const info = new Map<string, unknown>();
      for (let index = 0; index < fields.length; index += 2) info.set(String(fields[index]), fields[index + 1]);
      const name = String(info.get('name'));
      if (!isSubgraphGroup(name)) continue;
      if (comparePositions(String(info.get('last-delivered-id')), upTo) < 0) return name;
      if (Number(info.get('pending')) > 0 && ((await bus.client.xpending(bus.stream, name, '-', upTo, 1)) as unknown[]).length > 0) {
        return name;
      }
    }
    return null;
  }

  async function check() {
    timer = null;
    if (closed || target === null) {
      checking = false;
      return;
    }
    const upTo = target;
    let lagging: string | null;
    try {
      lagging = await laggingGroup(upTo);
    } catch {
      lagging = '(unknown: Redis did not answer)';
    }
    if (closed) return;
    if (lagging === null && target === upTo) {
      target = null;
      release?.();
      release = null;
      warned = false;
      checking = false;
      return;
    }
    if (lagging !== null && !warned && Date.now() - heldSince > lagWarningMs) {
      warned = true;
      logger.warn('the entity cache waits for a consumer group to handle an event; it serves nothing meanwhile', { group: lagging, position: upTo });
    }
    timer = setTimeout(check, lagging === null ? 0 : 10);
    timer.unref();
  }

  return {
    after(position: EventPosition) {
      if (target === null || comparePositions(position, target) > 0) target = position;
      if (!release) {
        release = cache.hold('event');
        heldSince = Date.now();
      }
      if (!checking) {
        checking = true;
        timer = setTimeout(check, 0);
        timer.unref();
      }
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      release?.();
    },
  };
}
