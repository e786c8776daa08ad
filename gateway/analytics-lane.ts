import { Worker } from 'node:worker_threads';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { getOperationAST, Kind, parse, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Identity } from '../lib/auth/identity.ts';
import type { Logger } from '../lib/logger.ts';
import type { GatewayContext } from './context.ts';
import type { DemandControl } from './demand-control/index.ts';
import { periodFields } from './demand-control/period-fields.ts';
import type { GatewayOptions } from './server.ts';
import type { TrustedDocuments } from './trusted-documents.ts';

/**
 * The analytics lane (docs/architecture.md, Workloads and isolation): client operations that demand control
 * estimates at `minCost` points or more run in a second instance of the same gateway inside a worker thread — its own
 * event loop and heap — so planning them, shaping an answer of tens of thousands of rows (@apollo/gateway's
 * `computeResponse`, one synchronous call) and the JSON of the subgraphs' answers and of the response never hold the
 * loop that serves everyone else. The main thread authenticates, reads and screens the request as always, hands the
 * worker the request and the caller's context, and writes the answer it gets back (status, headers, body text).
 */
export interface AnalyticsLaneSettings {
  /** ANALYTICS_LANE: on by default in `npm start` and `start:gateway` (README "Configuration"). */
  readonly enabled: boolean;
  /**
   * ANALYTICS_LANE_MIN_COST: the estimated cost (demand control's points) from which a query runs in the lane. Default
   * 5,000: a year of `utilization` by worker and week (7,950) or day (54,750) goes; a month by worker (150), a page of
   * entries (~50) or the README's deep query (~300) stays.
   */
  readonly minCost?: number;
}

export const defaultAnalyticsMinCost = 5_000;

/** What the worker needs to build the same gateway: the gateway's options that are data (workerData is cloned). */
export type LaneGatewayOptions = Pick<
  GatewayOptions,
  | 'supergraphSdl'
  | 'subgraphUrls'
  | 'identitySecret'
  | 'maskErrors'
  | 'http'
  | 'signedIdentity'
  | 'queryLimits'
  | 'rateLimits'
  | 'timeLimits'
  | 'outbound'
  | 'introspection'
  | 'trustedDocuments'
  | 'subgraphDedupe'
>;

export function laneGatewayOptionsOf(options: GatewayOptions): LaneGatewayOptions {
  const { supergraphSdl, subgraphUrls, identitySecret, maskErrors, http, signedIdentity, queryLimits, rateLimits } = options;
  const { timeLimits, outbound, introspection, trustedDocuments, subgraphDedupe } = options;
  return { supergraphSdl, subgraphUrls, identitySecret, maskErrors, http, signedIdentity, queryLimits, rateLimits, timeLimits, outbound, introspection, trustedDocuments, subgraphDedupe };
}

/** Messages between the two threads. */
export type ToLane =
  | { readonly type: 'execute'; readonly id: number; readonly request: LaneRequest; readonly context: GatewayContext }
  | { readonly type: 'rate-limit'; readonly id: number; readonly refusal: RateLimitRefusal | null; readonly failure?: string }
  | { readonly type: 'mutated' }
  | { readonly type: 'metrics'; readonly id: number };
export type FromLane =
  | { readonly type: 'ready' }
  | { readonly type: 'answer'; readonly id: number; readonly response: LaneResponse }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }
  | { readonly type: 'metrics'; readonly id: number; readonly metrics: readonly object[] }
  | { readonly type: 'rate-limit'; readonly id: number; readonly identity: Identity; readonly address: string; readonly cost: number | undefined }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string; readonly fields?: Record<string, unknown> };
export interface LaneRequest {
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly search: string;
  readonly body: unknown;
}
export interface LaneResponse {
  readonly status: number | undefined;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}
/** A rate-limit refusal as data (a GraphQLError does not cross threads): the lane rebuilds it (rate-limit.ts). */
export interface RateLimitRefusal {
  readonly message: string;
  readonly retryAfterSeconds: number;
}

/** Documents parsed for classification, by text: clients repeat a few documents, so a small map holds them. */
const parsedDocumentsKept = 500;

/** The names of the fields whose work grows with a date range (demand-control/period-fields.ts: KPIs, planning). */
const periodFieldNames = new Set(Object.keys(periodFields).map((key) => key.slice(key.indexOf('.') + 1)));

/** Whether the document selects a KPI or planning field (by name, whatever the type: the names are the schema's own). */
function selectsPeriodField(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD]: (field) => {
      if (periodFieldNames.has(field.name.value)) found = true;
    },
  });
  return found;
}

/**
 * Which requests are analytics: queries whose estimated cost (demand control's model, the one the query limits and
 * rate limits use) is at least `minCost`. The cost grows with what the answer will hold (a KPI's periods × groups,
 * a page's size), which is what costs the loop; a field list would miss a large page of an ordinary field and
 * catch a small KPI question. A subgraph reading the graph as itself (a service) goes only when it asks for a KPI or
 * planning field as well: its reads page by ids with a page size of 1,000, which the static estimate takes at its
 * word (a logging request's validation read of two projects and a worker is estimated at 1.27 million points), so
 * only the period fields, sized by their date range, say that a service's read is large (time asking for the
 * workforce's capacity day by day for a KPI: ~70,000). Mutations never go (they run once, on the main lane, where the in-flight merging
 * they end lives). A hash-only request goes when the trusted-document manifest names its document; with Apollo's
 * own persisted-query cache (no manifest) a request naming a hash stays on the main lane, where that cache is.
 */
export class AnalyticsClassifier {
  readonly minCost: number;
  readonly #documents = new Map<string, DocumentNode | null>();

  constructor(
    readonly demand: DemandControl,
    readonly schema: () => GraphQLSchema,
    readonly trustedDocuments: TrustedDocuments | null,
    minCost = defaultAnalyticsMinCost,
  ) {
    this.minCost = minCost;
  }

  isAnalytics(request: HTTPGraphQLRequest, identity: Identity): boolean {
    const { query, variables, operationName, extensions, documentId } = requestFields(request);
    const persisted = (extensions as { persistedQuery?: unknown } | undefined)?.persistedQuery !== undefined || documentId !== undefined;
    let text = typeof query === 'string' && query !== '' ? query : undefined;
    if (persisted) {
      if (!this.trustedDocuments) return false;
      text ??= this.trustedDocuments.documentNamed(extensions, documentId);
    }
    if (text === undefined) return false;
    const document = this.#parsed(text);
    const operation = document && getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
    if (!operation || operation.operation !== 'query') return false;
    if (identity.service && !this.#selectsPeriodField(document)) return false;
    try {
      const vars = variables !== null && typeof variables === 'object' ? (variables as Record<string, unknown>) : undefined;
      return this.demand.estimate(this.schema(), document, operation, vars) >= this.minCost;
    } catch {
      // A document the schema does not know: Apollo Server reports it, on the main lane.
      return false;
    }
  }

  readonly #periodFieldDocuments = new WeakMap<DocumentNode, boolean>();
  #selectsPeriodField(document: DocumentNode): boolean {
    let selects = this.#periodFieldDocuments.get(document);
    if (selects === undefined) this.#periodFieldDocuments.set(document, (selects = selectsPeriodField(document)));
    return selects;
  }

  #parsed(text: string): DocumentNode | null {
    let document = this.#documents.get(text);
    if (document !== undefined) return document;
    try {
      // The token limit was screened before (demand.screen); this bounds the parse as Apollo Server's own does not.
      document = parse(text, { maxTokens: this.demand.limits.maxTokens });
    } catch {
      document = null;
    }
    if (this.#documents.size >= parsedDocumentsKept) this.#documents.clear();
    this.#documents.set(text, document);
    return document;
  }
}

/** The GraphQL request's fields, from a POST's JSON body or a GET's query string. */
function requestFields(request: HTTPGraphQLRequest): Record<string, unknown> {
  if (request.method === 'POST') return request.body !== null && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const search = new URLSearchParams(request.search);
  const json = (name: string) => {
    const raw = search.get(name);
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return undefined;
    }
  };
  return {
    query: search.get('query') ?? undefined,
    operationName: search.get('operationName') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions'),
    documentId: search.get('documentId') ?? undefined,
  };
}

/**
 * The worker runs what this module runs: dist/'s JavaScript, or the TypeScript source under tsx (`npm run dev`, the
 * tests, the benchmarks), whose loader a worker does not inherit on Node 20, so a one-line module registers it first.
 */
function laneWorkerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./analytics-lane-worker.js', import.meta.url);
  const worker = new URL('./analytics-lane-worker.ts', import.meta.url).href;
  const register = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import { register } from ${JSON.stringify(register)}; register(); await import(${JSON.stringify(worker)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

/** A worker that stopped within this long after its start is restarted after this long. */
const restartPauseMs = 5_000;

/** The worker is not there (starting, restarting, gone): the request runs on the main lane instead. */
class LaneUnavailable extends Error {}

/**
 * The main thread's side of the lane: starts the worker with the gateway, restarts it if it dies (the requests it
 * held, all queries, are answered on the main lane), forwards the rate limits it asks for to the main thread's
 * buckets (one budget per caller, whichever lane serves it) and its log lines to the gateway's logger.
 */
export class AnalyticsLane {
  readonly #options: LaneGatewayOptions;
  readonly #logger: Logger;
  readonly #spendRateLimit: (identity: Identity, address: string, cost: number | undefined) => Promise<RateLimitRefusal | null>;
  readonly #pending = new Map<number, { resolve: (response: LaneResponse) => void; reject: (error: Error) => void }>();
  #worker: Worker | null = null;
  #ready = false;
  #readyWaiters: ((ready: boolean) => void)[] = [];
  #stopped = false;
  #nextId = 1;
  readonly #metricsWaiters = new Map<number, (metrics: readonly object[]) => void>();
  /** How many workers were started, restarts included, and how many requests the lane answered (tests, benchmarks). */
  starts = 0;
  answered = 0;

  constructor(options: {
    gateway: LaneGatewayOptions;
    logger: Logger;
    spendRateLimit: (identity: Identity, address: string, cost: number | undefined) => Promise<RateLimitRefusal | null>;
  }) {
    this.#options = options.gateway;
    this.#logger = options.logger;
    this.#spendRateLimit = options.spendRateLimit;
  }

  /** Starts the worker; it serves once it has loaded the supergraph (`ready`). Until then requests run on the main lane. */
  start(): void {
    if (this.#stopped || this.#worker) return;
    this.starts += 1;
    const worker = new Worker(laneWorkerEntry(), { workerData: this.#options });
    this.#worker = worker;
    const started = performance.now();
    worker.on('message', (message: FromLane) => this.#receive(worker, message));
    worker.on('error', (error) => this.#logger.error('analytics lane failed', { error }));
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#ready = false;
      for (const { reject } of this.#pending.values()) reject(new LaneUnavailable('the analytics lane stopped'));
      this.#pending.clear();
      if (this.#stopped) return;
      // One that never served (it cannot start: a broken build) is retried after a pause, not in a loop.
      const servedMs = performance.now() - started;
      const retryInMs = servedMs < restartPauseMs ? restartPauseMs : 0;
      this.#logger.error('analytics lane stopped; restarting it, its requests meanwhile on the main lane', { exitCode: code, retryInMs });
      setTimeout(() => this.start(), retryInMs).unref();
    });
  }

  /** Whether the worker serves (false once the lane is stopped). */
  ready(): Promise<boolean> {
    if (this.#ready || this.#stopped) return Promise.resolve(this.#ready);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Runs the request in the worker; when the worker is not serving, on the main lane (`mainLane`). */
  async execute(
    request: HTTPGraphQLRequest,
    context: () => Promise<GatewayContext>,
    mainLane: () => Promise<HTTPGraphQLResponse>,
  ): Promise<HTTPGraphQLResponse> {
    const worker = this.#worker;
    if (!worker || !this.#ready) return mainLane();
    const id = this.#nextId++;
    const { method, headers, search, body } = request;
    const answered = new Promise<LaneResponse>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    try {
      // Only the fields the gateway's plugins read: a caller's context is data (identity, correlation id, address).
      const { identity, correlationId, clientAddress } = await context();
      const message: ToLane = { type: 'execute', id, request: { method, headers: [...headers], search, body }, context: { identity, correlationId, clientAddress } };
      worker.postMessage(message);
      const response = await answered;
      return { status: response.status, headers: new HeaderMap(response.headers.map(([name, value]) => [name, value])), body: { kind: 'complete', string: response.body } };
    } catch (error) {
      this.#pending.delete(id);
      if (error instanceof LaneUnavailable) return mainLane();
      throw error;
    }
  }

  /**
   * A mutation returned on the main lane: the worker's in-flight merges end too (gateway/inflight-dedupe.ts,
   * read-your-writes). Posted before the mutation's answer is written, so it reaches the worker before any request
   * its caller sends next.
   */
  mutated(): void {
    if (this.#ready) this.#worker?.postMessage({ type: 'mutated' } satisfies ToLane);
  }

  /**
   * The request and subgraph-fetch series the worker counted (prom-client's JSON), for the main thread's `/metrics`
   * to add to its own; none when the worker is not serving or does not answer within a second (its loop busy).
   */
  async metrics(): Promise<readonly object[]> {
    const worker = this.#worker;
    if (!worker || !this.#ready) return [];
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.#metricsWaiters.delete(id), resolve([])), 1_000);
      this.#metricsWaiters.set(id, (metrics) => (clearTimeout(timer), resolve(metrics)));
      worker.postMessage({ type: 'metrics', id } satisfies ToLane);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const resolve of this.#readyWaiters.splice(0)) resolve(false);
    const worker = this.#worker;
    this.#worker = null;
    this.#ready = false;
    for (const { reject } of this.#pending.values()) reject(new LaneUnavailable('the gateway is stopping'));
    this.#pending.clear();
    await worker?.terminate();
  }

  /** Ends the worker as a crash would (tests: the lane restarts and requests are still answered). */
  async crashForTest(): Promise<void> {
    await this.#worker?.terminate();
  }

  #receive(worker: Worker, message: FromLane): void {
    switch (message.type) {
      case 'ready':
        this.#ready = true;
        for (const resolve of this.#readyWaiters.splice(0)) resolve(true);
        return;
      case 'answer':
        this.answered += 1;
        this.#pending.get(message.id)?.resolve(message.response);
        this.#pending.delete(message.id);
        return;
      case 'failed':
        // The worker could not run it (not a GraphQL error, which is an answer): the main lane runs it.
        this.#pending.get(message.id)?.reject(new LaneUnavailable(message.message));
        this.#pending.delete(message.id);
        return;
      case 'rate-limit':
        this.#spendRateLimit(message.identity, message.address, message.cost).then(
          (refusal) => worker.postMessage({ type: 'rate-limit', id: message.id, refusal } satisfies ToLane),
          // As on the main lane, the request fails with the error (Apollo Server answers it).
          (error) => worker.postMessage({ type: 'rate-limit', id: message.id, refusal: null, failure: (error as Error).message } satisfies ToLane),
        );
        return;
      case 'metrics':
        this.#metricsWaiters.get(message.id)?.(message.metrics);
        this.#metricsWaiters.delete(message.id);
        return;
      case 'log':
        this.#logger[message.level](message.message, message.fields);
    }
  }
}
