/**
 * The OpenTelemetry SDK, loaded by lib/tracing/index.ts only when tracing is on. Instrumentations where they exist:
 * node:http (every server's request span, W3C context read from incoming requests; outgoing calls such as the
 * gateway's to its subgraphs) and undici (Node's fetch, e.g. lib/graph-client.ts), both sending W3C context on; pg
 * and ioredis. @apollo/gateway starts its
 * own spans (gateway.request, gateway.plan, gateway.fetch per query-plan fetch) through the global API. PGlite has no
 * instrumentation: its dialect starts a span per statement (lib/db/pglite-dialect.ts).
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Tracing, TracingOptions } from './index.ts';
import { setTracingActive } from './spans.ts';

/** Requests no trace is about: probes and scrapes, several a second from every orchestrator and Prometheus. */
const untracedPaths = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The modules the instrumentations patch, required once they are enabled. psgraph runs as ESM (tsx), whose imports do
 * not pass through `require`, where the instrumentations hook (require-in-the-middle). Requiring them here patches
 * them: most patches go on prototypes (http.Server's emit, pg's Client#query, ioredis's sendCommand), which the ESM
 * imports share; http.request and https.request are replaced on the module, and `syncBuiltinESMExports` hands the
 * replacements to every `import { request } from 'node:http'`. No loader hook (import-in-the-middle) nor flag needed.
 */
const patchedModules = ['node:http', 'node:https', 'pg', 'ioredis'];

export function installTracing(options: TracingOptions): Tracing {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: packageVersion() }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults above.
    .merge(detectResources({ detectors: [processDetector, hostDetector, envDetector] }));
  // The OTLP exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout), the batch processor OTEL_BSP_*, and the
  // provider OTEL_TRACES_SAMPLER(_ARG): standard settings, no psgraph ones.
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [...(options.spanProcessors ?? []), processor] });
  provider.register();
  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untracedPaths.has((request.url ?? '').split('?')[0]),
        // Outgoing node:http calls outside any trace (a webhook retry timer, OIDC key fetches) are not worth a trace.
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // Background polling (the outbox relay, the Redis consumers' reads and leases) runs outside any trace: only the
      // statements and commands of a traced request or event get spans.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  const require = createRequire(import.meta.url);
  for (const name of patchedModules) require(name);
  syncBuiltinESMExports();
  setTracingActive(true);
  let stopped = false;
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      setTracingActive(false);
      disableInstrumentations();
      syncBuiltinESMExports();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}
