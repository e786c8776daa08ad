import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * One registry per process. In the embedded hub the gateway and the five subgraphs share a process, so the gateway's
 * `/metrics` carries every subgraph's series too (each labelled `subgraph`); run apart, each process shows its own.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'psgraph_process_' });

export const METRICS_PATH = '/metrics';

/** `/metrics` as a process serves it: off when disabled, behind `Authorization: Bearer <METRICS_TOKEN>` when set. */
export interface MetricsSettings {
  readonly enabled?: boolean;
  readonly token?: string;
}

/**
 * Serves the registry in Prometheus' text format; null when metrics are off (the route is then a 404 like any other).
 * `alsoFrom`: the series another thread of the process counted (the gateway's analytics lane: prom-client's JSON of
 * its registry), added to this registry's.
 */
export function createMetricsHandler(settings: MetricsSettings = {}, alsoFrom?: () => Promise<readonly object[]>) {
  if (settings.enabled === false) return null;
  const expected = settings.token ? Buffer.from(`Bearer ${settings.token}`) : null;
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (expected) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' });
        res.end('a bearer token (METRICS_TOKEN) is required\n');
        return;
      }
    }
    const body = alsoFrom
      ? await AggregatorRegistry.aggregate([await metricsRegistry.getMetricsAsJSON(), await alsoFrom()]).metrics()
      : await metricsRegistry.metrics();
    res.writeHead(200, { 'content-type': metricsRegistry.contentType });
    res.end(body);
  };
}

export interface GaugeSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Reads a gauge's current values when Prometheus scrapes: a query, not a counter kept up to date by every write. */
export type GaugeSampler = () => Promise<readonly GaugeSample[]>;

const scrapedGauges = new Map<string, Set<GaugeSampler>>();

/**
 * A gauge whose values are read on scrape from every sampler added to it (one per subgraph running in this process).
 * Registered once per name, however many runtimes come and go (tests start several hubs in one process); the
 * returned function adds a sampler and gives back its removal, for the runtime's stop.
 */
export function scrapedGauge(name: string, help: string, labelNames: readonly string[]) {
  let samplers = scrapedGauges.get(name);
  if (!samplers) {
    const own = new Set<GaugeSampler>();
    samplers = own;
    scrapedGauges.set(name, own);
    new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [metricsRegistry],
      async collect() {
        const results = await Promise.allSettled([...own].map((sample) => sample()));
        this.reset();
        for (const result of results) {
          // A sampler that fails (its database away) leaves its series out of this scrape rather than failing all.
          if (result.status !== 'fulfilled') continue;
          for (const { labels, value } of result.value) this.set(labels, value);
        }
      },
    });
  }
  const registered = samplers;
  return (sampler: GaugeSampler) => {
    registered.add(sampler);
    return () => void registered.delete(sampler);
  };
}

/** A sampler answered from its last result for `ttlMs` (business gauges: bounded queries, not on every scrape). */
export function cachedSampler(sampler: GaugeSampler, ttlMs = 15_000): GaugeSampler {
  let last: { at: number; samples: Promise<readonly GaugeSample[]> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= ttlMs) {
      const samples = sampler();
      last = { at: now, samples };
      samples.catch(() => (last = null));
    }
    return last.samples;
  };
}

/** A gauge of one subgraph, ready to add to its runtime: its name, help, labels and how to read it. */
export interface SubgraphGauge {
  readonly name: string;
  readonly help: string;
  /** Besides `subgraph`, which every subgraph gauge carries. */
  readonly labelNames: readonly string[];
  readonly sample: GaugeSampler;
}

/** Adds a subgraph's gauges to the registry, each series labelled with the subgraph; returns their removal. */
export function registerSubgraphGauges(subgraph: string, gauges: readonly SubgraphGauge[]): () => void {
  const removals = gauges.map((gauge) =>
    scrapedGauge(gauge.name, gauge.help, ['subgraph', ...gauge.labelNames])(async () =>
      (await gauge.sample()).map(({ labels, value }) => ({ labels: { ...labels, subgraph }, value })),
    ),
  );
  return () => removals.forEach((remove) => remove());
}
