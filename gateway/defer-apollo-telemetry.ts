/**
 * Imported first by the gateway's entry points, before anything loads `@apollo/gateway`.
 *
 * `@apollo/gateway` 2.14 requires, at the top of its `utilities/opentelemetry.js`, an OpenTelemetry metrics SDK, an
 * OTLP exporter and the AWS, Azure, GCP and Alibaba resource detectors: ≈ 1,400 module loads, ≈ 0.2 s of CPU on every
 * start (docs/benchmarks.md, "Start-up"). They serve only its usage reporting to Apollo, which runs when
 * `APOLLO_TELEMETRY_DISABLED` is not set; psgraph sets it (gateway/server.ts). So those requires, from that one file,
 * get a stand-in that loads the real module on first use: with the reporting off, never; with it on, as before.
 */
import { createRequire } from 'node:module';

const deferred = new Set([
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/resources',
  '@opentelemetry/exporter-metrics-otlp-http',
  '@opentelemetry/resource-detector-alibaba-cloud',
  '@opentelemetry/resource-detector-aws',
  '@opentelemetry/resource-detector-azure',
  '@opentelemetry/resource-detector-gcp',
]);
const requiringFile = /[\\/]@apollo[\\/]gateway[\\/]dist[\\/]utilities[\\/]opentelemetry\.js$/;

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
const Module = createRequire(import.meta.url)('node:module') as { _load: Load };
const load = Module._load;

Module._load = function deferApolloTelemetry(this: unknown, request, parent, isMain) {
  if (!deferred.has(request) || !parent?.filename || !requiringFile.test(parent.filename)) return load.call(this, request, parent, isMain);
  let real: object | undefined;
  const loaded = () => (real ??= load.call(this, request, parent, isMain) as object);
  return new Proxy(
    {},
    {
      get: (_, key) => Reflect.get(loaded(), key),
      has: (_, key) => Reflect.has(loaded(), key),
      ownKeys: () => Reflect.ownKeys(loaded()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(loaded(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
} as Load;
