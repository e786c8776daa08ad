/**
 * The analytics lane's worker thread (gateway/analytics-lane.ts): the same gateway as the main thread's — the same
 * supergraph, signed data sources and subgraph URLs, every plugin (trusted documents, introspection, demand control,
 * rate limits, deadlines, error masking) — run on its own event loop. It serves requests the main thread has
 * authenticated and read, and answers with the status, headers and body Apollo Server produced.
 */
import './defer-apollo-telemetry.ts';
import { parentPort, workerData } from 'node:worker_threads';
import { HeaderMap } from '@apollo/server';
import { DomainError } from '../lib/errors.ts';
import { metricsRegistry } from '../lib/metrics/registry.ts';
import type { Logger } from '../lib/logger.ts';
import type { FromLane, LaneGatewayOptions, RateLimitRefusal, ToLane } from './analytics-lane.ts';
import type { GatewayContext } from './context.ts';
import { OpenMerges } from './inflight-dedupe.ts';
import { rateLimited } from './rate-limit.ts';
import { createGateway } from './server.ts';

const port = parentPort!;
const send = (message: FromLane) => port.postMessage(message);

/** Log lines go to the main thread's logger, so the lane logs where (and as quietly as) the gateway does. */
const forwardingLogger = (base: Record<string, unknown> = {}): Logger => {
  const emit = (level: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    const merged = { ...base, ...fields };
    try {
      send({ type: 'log', level, message, fields: merged });
    } catch {
      // A field that does not cross threads (a function): its text does.
      send({ type: 'log', level, message, fields: Object.fromEntries(Object.entries(merged).map(([key, value]) => [key, String(value)])) });
    }
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error'), child: (fields) => forwardingLogger({ ...base, ...fields }) };
};

/** The rate limits this lane's requests spend: the main thread's buckets, asked for by message. */
const rateLimitAnswers = new Map<number, (answer: { refusal: RateLimitRefusal | null; failure?: string }) => void>();
let nextRateLimitId = 1;

const merges = new OpenMerges();
const gateway = createGateway(
  {
    ...(workerData as LaneGatewayOptions),
    // Never asked: the main thread authenticated the request and hands its identity.
    authenticator: {
      authenticate: async () => {
        throw new DomainError('UNAUTHENTICATED', 'the analytics lane does not authenticate');
      },
    },
    logger: forwardingLogger({ lane: 'analytics' }),
    metrics: { enabled: false },
    graphiql: { enabled: false },
  },
  {
    merges,
    async spendRateLimit(identity, address, cost) {
      const id = nextRateLimitId++;
      const answer = await new Promise<{ refusal: RateLimitRefusal | null; failure?: string }>((resolve) => {
        rateLimitAnswers.set(id, resolve);
        send({ type: 'rate-limit', id, identity, address, cost });
      });
      if (answer.failure !== undefined) throw new Error(answer.failure);
      return answer.refusal && rateLimited(answer.refusal.message, answer.refusal.retryAfterSeconds);
    },
  },
);

async function execute(id: number, request: Extract<ToLane, { type: 'execute' }>['request'], context: GatewayContext) {
  try {
    const response = await gateway.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method, headers: new HeaderMap(request.headers.map(([name, value]) => [name, value])), search: request.search, body: request.body },
      context: async () => context,
    });
    let body: string;
    if (response.body.kind === 'complete') body = response.body.string;
    else {
      // Incremental delivery is refused at validation (incremental-delivery.ts); were it not, the chunks joined.
      body = '';
      for await (const chunk of response.body.asyncIterator) body += chunk;
    }
    send({ type: 'answer', id, response: { status: response.status, headers: [...response.headers], body } });
  } catch (error) {
    send({ type: 'failed', id, message: (error as Error).message });
  }
}

port.on('message', (message: ToLane) => {
  switch (message.type) {
    case 'execute':
      void execute(message.id, message.request, message.context);
      return;
    case 'rate-limit':
      rateLimitAnswers.get(message.id)?.({ refusal: message.refusal, failure: message.failure });
      rateLimitAnswers.delete(message.id);
      return;
    case 'mutated':
      merges.endAll();
      return;
    case 'metrics':
      // The gateway's own series (metrics.ts); the process's (CPU, memory) the main thread reports for all threads.
      void metricsRegistry.getMetricsAsJSON().then((metrics) =>
        send({ type: 'metrics', id: message.id, metrics: metrics.filter(({ name }) => /^psgraph_(graphql|subgraph)_/.test(name)) }),
      );
  }
});

await gateway.apollo.start();
send({ type: 'ready' });
