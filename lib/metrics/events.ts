import { sql, type Kysely } from 'kysely';
import { Counter } from 'prom-client';
import type { EventBus } from '../events/bus.ts';
import type { OutboxTables } from '../events/outbox.ts';
import { metricsRegistry, type SubgraphGauge } from './registry.ts';

const handlerFailures = new Counter({
  name: 'psgraph_event_handler_failures_total',
  help: 'Failed deliveries of an event to a consumer group handler (each retry that fails counts)',
  labelNames: ['subgraph', 'group'],
  registers: [metricsRegistry],
});

/**
 * The subgraph's consumer bus, counting each handler failure by group, and the groups it subscribed (whose lag is
 * reported even before they checkpoint anything).
 */
export function measuredConsumerBus(subgraph: string, bus: EventBus): { bus: EventBus; groups: ReadonlySet<string> } {
  const groups = new Set<string>();
  return {
    groups,
    bus: {
      publish: (event) => bus.publish(event),
      subscribe: (options) => {
        groups.add(options.group);
        handlerFailures.labels(subgraph, options.group).inc(0);
        return bus.subscribe({
          ...options,
          handler: async (event, delivery) => {
            try {
              await options.handler(event, delivery);
            } catch (error) {
              handlerFailures.labels(subgraph, options.group).inc();
              throw error;
            }
          },
        });
      },
      close: () => bus.close(),
    },
  };
}

/**
 * The event plumbing of one subgraph, read on scrape with cheap queries: its outbox backlog (an index on the
 * unpublished rows), each consumer group's lag behind its producers, and its parked dead letters by group.
 */
export function eventGauges(db: Kysely<any>, bus: EventBus, groups: ReadonlySet<string>): SubgraphGauge[] {
  const events = db as Kysely<OutboxTables>;
  return [
    {
      name: 'psgraph_outbox_backlog',
      help: 'Outbox rows not yet published to the bus',
      labelNames: [],
      async sample() {
        const row = await events
          .selectFrom('outbox')
          .select(sql<string>`count(*)`.as('count'))
          .where('published_at', 'is', null)
          .executeTakeFirstOrThrow();
        return [{ labels: {}, value: Number(row.count) }];
      },
    },
    {
      name: 'psgraph_event_consumer_lag',
      help: 'Events a consumer group is behind its producers (0 on the in-process bus, which delivers inside publish)',
      labelNames: ['group'],
      sample: () => consumerLag(events, bus, groups),
    },
    {
      name: 'psgraph_dead_letters',
      help: 'Events parked as dead letters (status PARKED) by consumer group',
      labelNames: ['group'],
      async sample() {
        const rows = await events
          .selectFrom('dead_letter')
          .select(['consumer', sql<string>`count(*)`.as('count')])
          .where('status', '=', 'PARKED')
          .groupBy('consumer')
          .execute();
        const parked = new Map(rows.map((row) => [row.consumer, Number(row.count)]));
        for (const group of groups) if (!parked.has(group)) parked.set(group, 0);
        return [...parked].map(([group, value]) => ({ labels: { group }, value }));
      },
    },
  ];
}

/**
 * Per group, the events published by its producers after the sequence it expects next (its checkpoints), by what the
 * producers advertise on the bus (lib/events/relay.ts). A bus without that channel delivers inside `publish`: nothing
 * is ever behind.
 */
async function consumerLag(db: Kysely<OutboxTables>, bus: EventBus, groups: ReadonlySet<string>) {
  const lag = new Map<string, number>([...groups].map((group) => [group, 0]));
  if (!bus.replay) return [...lag].map(([group, value]) => ({ labels: { group }, value }));
  const checkpoints = await db.selectFrom('consumer_checkpoint').select(['consumer', 'source', 'next_sequence']).execute();
  const sources = [...new Set(checkpoints.map((row) => row.source))];
  const heads = sources.length > 0 ? await bus.replay.advertised(sources) : new Map();
  for (const { consumer, source, next_sequence } of checkpoints) {
    const head = heads.get(source)?.head;
    const behind = head === undefined ? 0 : Math.max(0, head - (Number(next_sequence) - 1));
    lag.set(consumer, (lag.get(consumer) ?? 0) + behind);
  }
  return [...lag].map(([group, value]) => ({ labels: { group }, value }));
}
