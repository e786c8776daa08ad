import type { ApolloServerPlugin } from '@apollo/server';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { CORRELATION_HEADER } from '../lib/auth/identity.ts';
import { DependencyUnavailable } from '../lib/errors.ts';
import { DEADLINE_HEADER } from '../lib/http/deadline.ts';
import type { Logger } from '../lib/logger.ts';
import type { GatewayContext } from './context.ts';

/** The gateway's time limits (README "Timeouts"). */
export interface TimeLimits {
  /** How long one client operation may take, subgraph calls included; its deadline travels to the subgraphs. Default 30 s. */
  readonly requestMs?: number;
  /** How long one call to a subgraph may take (less when the request's deadline comes first). Default 10 s. */
  readonly subgraphMs?: number;
  /** Consecutive failed calls (no answer in time, unreachable, 502/503/504) that open a subgraph's breaker. Default 5. */
  readonly breakerFailures?: number;
  /** How long an open breaker fails calls fast before it lets one trial call through. Default 10 s. */
  readonly breakerCooldownMs?: number;
}

export const defaultTimeLimits: Required<TimeLimits> = {
  requestMs: 30_000,
  subgraphMs: 10_000,
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
};

/**
 * The classic three-state breaker (closed → open after `failures` consecutive failures → half-open after the
 * cool-down, where one trial call decides: success closes it, failure opens it for another cool-down). Written here
 * rather than taken from opossum, which wraps a function with its own timeout, rolling statistics and events: the
 * data source already has the timeout and a failure is "the subgraph did not answer", which only the fetcher sees.
 */
export class CircuitBreaker {
  #failures = 0;
  #openedAt: number | null = null;
  #trialRunning = false;

  constructor(
    private readonly options: { readonly failures: number; readonly cooldownMs: number; readonly now?: () => number },
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.#openedAt === null) return 'closed';
    return this.#now() - this.#openedAt >= this.options.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go out now; in half-open, only the one trial call may. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialRunning) return false;
    this.#trialRunning = true;
    return true;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#trialRunning = false;
  }

  failed(): void {
    this.#failures += 1;
    if (this.#trialRunning || this.#failures >= this.options.failures) this.#openedAt = this.#now();
    this.#trialRunning = false;
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** A subgraph answer that says it (or a proxy in front of it) is away, rather than that the request was wrong. */
const unavailableStatus = (status: number) => status === 502 || status === 503 || status === 504;

/**
 * The fetcher of one subgraph's data source: every call is bounded by SUBGRAPH_TIMEOUT_MS and by the request's
 * deadline (the header willSendRequest set), whichever comes first, and goes through the subgraph's breaker. A call
 * that gets no answer in time, cannot reach the subgraph or finds the breaker open fails with SERVICE_UNAVAILABLE
 * (`retryable: true`, `subgraph`); the gateway leaves that subgraph's fields null and serves the rest of the plan.
 * The client sees a code rather than a masked error, so the failure is logged here: each call that got no answer,
 * and the breaker opening and closing (not each call it fails fast).
 */
export function guardedFetcher(
  subgraph: string,
  limits: TimeLimits = {},
  options: {
    readonly logger?: Logger;
    readonly breaker?: CircuitBreaker;
    /** What sends the call: the gateway's keep-alive transport (subgraph-http.ts); Node's fetch by default. */
    readonly transport?: Fetcher;
  } = {},
): Fetcher {
  const { logger, breaker } = options;
  const send = options.transport ?? (fetch as unknown as Fetcher);
  const subgraphMs = limits.subgraphMs ?? defaultTimeLimits.subgraphMs;
  const circuit =
    breaker ??
    new CircuitBreaker({
      failures: limits.breakerFailures ?? defaultTimeLimits.breakerFailures,
      cooldownMs: limits.breakerCooldownMs ?? defaultTimeLimits.breakerCooldownMs,
    });
  const unavailable = (message: string, cause?: unknown) =>
    new DependencyUnavailable(`subgraph ${subgraph} ${message}`, { cause, details: { subgraph } });

  /** Records the outcome and logs when it opened or closed the breaker. */
  const record = (outcome: 'succeeded' | 'failed', correlationId: string | undefined) => {
    const before = circuit.state;
    circuit[outcome]();
    const after = circuit.state;
    if (before !== 'open' && after === 'open') logger?.error('subgraph circuit opened', { subgraph, correlationId });
    if (before !== 'closed' && after === 'closed') logger?.info('subgraph circuit closed', { subgraph, correlationId });
  };

  const guarded = async (url: string, init: RequestInit = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const correlationId = headers[CORRELATION_HEADER];
    const deadline = Number(headers[DEADLINE_HEADER]);
    const remaining = Number.isFinite(deadline) ? deadline - Date.now() : Infinity;
    if (remaining <= 0) throw unavailable('was not called: the request ran out of time');
    if (!circuit.tryAcquire()) throw unavailable('is unavailable (circuit open after repeated failures); try again shortly');
    const waitMs = Math.max(1, Math.min(subgraphMs, remaining));
    let response: FetcherResponse;
    try {
      response = await send(url, { ...(init as Parameters<Fetcher>[1]), signal: AbortSignal.timeout(waitMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const failure = unavailable(timedOut ? `did not answer within ${waitMs} ms` : 'cannot be reached', error);
      const cause = (error as Error).cause;
      logger?.error('subgraph unavailable', {
        subgraph,
        correlationId,
        error: { message: (error as Error).message, cause: cause instanceof Error ? cause.message : undefined },
      });
      record('failed', correlationId);
      throw failure;
    }
    record(unavailableStatus(response.status) ? 'failed' : 'succeeded', correlationId);
    return response;
  };
  return guarded as unknown as Fetcher;
}

const deadlines = new WeakMap<object, number>();

/** When the request's deadline passes (epoch ms), set by deadlinePlugin; undefined outside a client operation. */
export const deadlineOf = (context: object): number | undefined => deadlines.get(context);

/** Gives every operation a deadline GATEWAY_REQUEST_TIMEOUT_MS from its start, for the subgraph calls it makes. */
export function deadlinePlugin(requestMs = defaultTimeLimits.requestMs): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      deadlines.set(contextValue, Date.now() + requestMs);
    },
  };
}
