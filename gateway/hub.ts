import { openPGlite, type DatabaseTarget, type SubgraphDatabase } from '../lib/db/database.ts';
import type { PGliteSession } from '../lib/db/pglite-dialect.ts';
import type { Clock } from '../lib/clock.ts';
import type { Config } from '../lib/config.ts';
import { isoDate, systemClock } from '../lib/clock.ts';
import type { EventBus } from '../lib/events/bus.ts';
import { InProcessBus } from '../lib/events/in-process-bus.ts';
import type { SubgraphRuntime } from '../lib/graphql/subgraph-server.ts';
import { createGraphClient } from '../lib/graph-client.ts';
import type { Logger } from '../lib/logger.ts';
import type { DemoFirm } from '../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../lib/seed/plan.ts';
import { seedOnce } from '../lib/seed/seed-once.ts';
import { StartupPhases } from '../lib/startup.ts';
import { createAuthenticator, verifiersFor } from './authentication/index.ts';
import { createGateway, type GatewayOptions, type GatewayRuntime } from './server.ts';
import { supergraphSdl } from './supergraph.ts';
import { subgraphModules } from './subgraphs.ts';

export interface HubOptions {
  /** PGlite (a data directory, or in memory when omitted) or PostgreSQL; every subgraph gets its own schema. */
  readonly database: { kind: 'pglite'; dataDir?: string } | { kind: 'postgres'; url: string };
  /** Schema name per subgraph; default the subgraph's name. Tests use unique names on a shared PostgreSQL. */
  readonly schemaFor?: (name: string) => string;
  readonly bus?: EventBus;
  /** HS256 secret of the gateway's own tokens (the embedded default's, the tests'); the identity provider's come with `config.oidc`. */
  readonly jwtSecret: string;
  readonly identitySecret: string;
  readonly port?: number;
  readonly host?: string;
  /** Seed the demo firm into empty schemas at this scale (false: leave the databases empty). */
  readonly seed?: { scale: number } | false;
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly maskErrors?: boolean;
  /** Tuning of the gateway's live fields (graphql-ws), e.g. the batch window. */
  readonly subscriptions?: GatewayOptions['subscriptions'];
  /** The process's configuration, handed to every subgraph for its own settings (erp's reconciliation, psa's staffing). */
  readonly config?: Config;
  /** Where the start-up's time goes (`npm start` passes its own, begun at process start); logged as "hub started". */
  readonly phases?: StartupPhases;
}

export interface Hub {
  readonly url: string;
  readonly gateway: GatewayRuntime;
  readonly subgraphs: Record<string, { runtime: SubgraphRuntime; database: SubgraphDatabase<any>; url: string }>;
  readonly bus: EventBus;
  /**
   * Publishes every pending outbox event of every subgraph, repeatedly, until none is left and every consumer has
   * handled what was published (consumers write more).
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Everything in one process: the five subgraphs on loopback ports, each on its own schema of one database, the
 * gateway in front, one bus. This is `npm start` (PGlite under ./data, in-process bus) and what the gateway tests
 * run (in-memory PGlite or PG_URL, and Redis when REDIS_URL is set).
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const clock = options.clock ?? systemClock;
  const schemaFor = options.schemaFor ?? ((name: string) => name);
  const phases = options.phases ?? new StartupPhases();
  if (!options.phases) phases.end('before the hub');
  let session: PGliteSession | undefined;
  let target: DatabaseTarget;
  if (options.database.kind === 'pglite') {
    session = await openPGlite(options.database.dataDir);
    target = { kind: 'pglite', session };
    phases.end('open PGlite');
  } else {
    target = { kind: 'postgres', url: options.database.url, poolSize: 5 };
  }
  const bus: EventBus = options.bus ?? new InProcessBus(options.logger);
  const subgraphs: Hub['subgraphs'] = {};
  let gateway: GatewayRuntime | undefined;
  let gatewayUrl = '';
  const stop = async () => {
    // Deliver what is committed while the gateway still answers: consumers such as erp's posting read the graph, and
    // a relay pass caught by the shutdown would otherwise fail (and log) halfway.
    // Bounded: with the bus unreachable, what is left stays in the outboxes for the next start.
    const flushed = (async () => {
      for (const entry of Object.values(subgraphs)) if (entry.url) await entry.runtime.relay.flush();
    })();
    await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await gateway?.stop();
    for (const entry of Object.values(subgraphs)) if (entry.url) await entry.runtime.stop();
    await bus.close();
    for (const entry of Object.values(subgraphs)) await entry.database.close();
    await session?.pglite.close();
  };
  try {
    for (const [name, module] of Object.entries(subgraphModules)) {
      const database = await module.openDatabase(target, schemaFor(name));
      phases.end('migrate');
      const runtime = module.create({
        db: database.db,
        relayDb: database.background,
        outboxDb: database.outbox,
        graph: createGraphClient({ service: name, url: () => gatewayUrl, identitySecret: options.identitySecret, roles: module.serviceRoles }),
        bus,
        clock,
        logger: options.logger,
        identitySecret: options.identitySecret,
        maskErrors: options.maskErrors ?? false,
        config: options.config,
      });
      subgraphs[name] = { runtime, database, url: '' };
      phases.end('build subgraph schemas');
    }
    if (options.seed) {
      const today = isoDate(clock.now());
      const { scale } = options.seed;
      let firm: DemoFirm | undefined;
      // Planned when a schema needs seeding: not at all on a seeded database (every warm `npm start`).
      const plan = () => (firm ??= planDemoFirm({ scale, today }));
      for (const [name, { database }] of Object.entries(subgraphs)) {
        const seeded = await seedOnce(subgraphModules[name as keyof typeof subgraphModules], database.db, plan);
        options.logger.info('demo data ready', { subgraph: name, ...seeded });
      }
      phases.end('seed');
    }
    for (const entry of Object.values(subgraphs)) entry.url = await entry.runtime.listen(0, '127.0.0.1');
    phases.end('start subgraphs');
    gateway = createGateway({
      supergraphSdl: supergraphSdl(),
      subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([name, entry]) => [name, entry.url])),
      authenticator: createAuthenticator(
        verifiersFor(
          { jwtSecret: options.jwtSecret, tokens: options.config?.tokens, oidc: options.config?.oidc },
          { hcmUrl: subgraphs.hcm.url, identitySecret: options.identitySecret, logger: options.logger },
        ),
      ),
      identitySecret: options.identitySecret,
      logger: options.logger,
      maskErrors: options.maskErrors ?? false,
      bus,
      subscriptions: options.subscriptions,
      http: options.config?.http,
      signedIdentity: options.config?.signedIdentity,
      queryLimits: options.config?.queryLimits,
      rateLimits: options.config?.rateLimits,
      timeLimits: options.config?.timeouts,
      introspection: options.config?.introspection,
      outbound: options.config?.outbound,
      trustedDocuments: options.config?.trustedDocuments,
      metrics: options.config?.metrics,
      graphiql: options.config?.graphiql,
      subgraphDedupe: options.config?.subgraphDedupe,
      entityCache: options.config?.entityCache,
      analyticsLane: options.config?.analyticsLane,
    });
    const url = await gateway.listen(options.port ?? 4000, options.host ?? '127.0.0.1');
    gatewayUrl = url;
    phases.end('start gateway');
    options.logger.info('hub started', { phasesMs: phases.ms, sinceProcessStartMs: phases.total() });
    return {
      url,
      gateway: gateway!,
      subgraphs,
      bus,
      async settle() {
        // Until every outbox is published and every consumer has handled what was published (a handler's own events
        // go round again). The in-process bus handles an event inside the relay's publish; Redis later, so ask it.
        for (let round = 0; round < 200; round++) {
          if ((await pendingEvents(subgraphs)) > 0) {
            for (const entry of Object.values(subgraphs)) await entry.runtime.relay.flush();
          } else if (!(await (bus.idle?.() ?? true))) {
            await new Promise((resolve) => setTimeout(resolve, 25));
          } else {
            return;
          }
        }
      },
      stop,
    };
  } catch (error) {
    // A half-started hub must not keep the process alive (ports, database handles, timers).
    await stop().catch(() => undefined);
    throw error;
  }
}

async function pendingEvents(subgraphs: Hub['subgraphs']): Promise<number> {
  let pending = 0;
  for (const { database } of Object.values(subgraphs)) {
    const row = await database.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('published_at', 'is', null)
      .executeTakeFirst();
    pending += Number(row?.n ?? 0);
  }
  return pending;
}
