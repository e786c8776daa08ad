/**
 * OpenTelemetry traces for one process (README "Traces"). Off unless OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (or a test hands an exporter): then nothing of the SDK is even loaded, and
 * the few spans psgraph starts itself (lib/tracing/spans.ts) go to the API's no-op tracer.
 */
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The service names of psgraph's processes (`service.name`; OTEL_SERVICE_NAME overrides it). */
export type TracedService = 'gateway' | 'crm' | 'hcm' | 'psa' | 'time' | 'erp' | 'psgraph';

export interface TracingOptions {
  readonly serviceName: TracedService;
  /**
   * Where finished spans go instead of OTLP, each as it ends (tests: an InMemorySpanExporter). Given, tracing is on
   * whatever the environment says.
   */
  readonly exporter?: SpanExporter;
  /** Processors that adjust spans before they are exported (the gateway's: gateway/tracing.ts). */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Read for the OTLP endpoint; default `process.env`. The SDK reads every other OTEL_* variable itself. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Sends what is still buffered. */
  flush(): Promise<void>;
  /** Sends what is buffered and takes the SDK and its instrumentations out again (shutdown, tests). */
  shutdown(): Promise<void>;
}

const off: Tracing = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

/** Whether the environment asks for traces: an OTLP endpoint for them. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
}

/**
 * Starts tracing for this process when asked for. Call it first thing in a process entry: the instrumentations patch
 * node:http, pg and ioredis on their prototypes, so connections and servers made before still get spans, but requests
 * already under way do not.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.exporter && !tracingRequested(options.env)) return off;
  const { installTracing } = await import('./sdk.ts');
  return installTracing(options);
}
