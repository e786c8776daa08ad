import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { callerOf, type Identity, type Role } from '../lib/auth/identity.ts';
import type { GatewayContext } from './context.ts';

/** How much a caller may ask of the gateway per minute (README "Rate limits"). */
export interface RateLimits {
  /** Cost points one identity may spend per minute (RATE_LIMIT_POINTS_PER_MINUTE); 0 turns rate limiting off. */
  readonly pointsPerMinute: number;
  /** Larger budgets per role (RATE_LIMIT_POINTS_PER_MINUTE_<ROLE>); an identity gets the largest of its roles'. */
  readonly pointsPerMinuteByRole: Readonly<Partial<Record<Role, number>>>;
  /** What a request costs at least, however cheap its query (RATE_LIMIT_MIN_POINTS_PER_REQUEST): requests count too. */
  readonly minPointsPerRequest: number;
  /** Requests without a valid token (each a 401) per IP address and minute (RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE). */
  readonly unauthenticatedPerMinute: number;
  /** The client's address is the last X-Forwarded-For entry (TRUSTED_PROXY): only behind a proxy that sets it. */
  readonly trustedProxy: boolean;
}

/**
 * Room above every flow of the README and the gateway tests (measured 2026-12: at most 58 requests and 148,080
 * points per identity and minute), and below issue 14's attacker: 300,000 points a minute is three of the largest
 * operations demand control lets through (100,000), and a floor of 1,000 points a request makes it at most 300
 * requests a minute (5 a second on average), so 400 cheap requests in a row are not all served. FINANCE and ADMIN
 * have 2.5 times more, as for their query budget. Load by design (benchmarks, fault tests) turns the limits off.
 */
export const defaultRateLimits: RateLimits = Object.freeze({
  pointsPerMinute: 300_000,
  pointsPerMinuteByRole: Object.freeze({ FINANCE: 750_000, ADMIN: 750_000 }),
  minPointsPerRequest: 1_000,
  unauthenticatedPerMinute: 60,
  trustedProxy: false,
});

export interface RateLimitOptions {
  readonly limits?: Partial<RateLimits>;
  /** Shared buckets across gateway instances (the bus's Redis connection); in memory without. */
  readonly redis?: Redis;
  /** The keys' prefix in Redis: one per deployment (the event stream's name), so every instance shares the buckets. */
  readonly keyPrefix?: string;
}

/** The refusal a client sees: HTTP 429 with RATE_LIMITED, and when to try again (Retry-After, seconds). */
export function rateLimited(message: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

/**
 * Rate limits at the gateway: a bucket of cost points per identity and minute, each request weighed by the cost
 * demand control estimated for it (at least `minPointsPerRequest`), and a bucket of failed authentications per IP
 * address. Buckets are fixed one-minute windows (rate-limiter-flexible), in Redis when the gateway has it so that
 * every instance draws from the same ones. Subgraphs reading the graph as themselves are not limited.
 */
export class RateLimit {
  readonly limits: RateLimits;
  readonly #byBudget = new Map<number, RateLimiterAbstract>();
  readonly #unauthenticated: RateLimiterAbstract | null;
  readonly #create: (prefix: string, points: number) => RateLimiterAbstract;

  constructor(options: RateLimitOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, value]) => value !== undefined));
    const byRole = { ...defaultRateLimits.pointsPerMinuteByRole, ...options.limits?.pointsPerMinuteByRole };
    this.limits = Object.freeze({ ...defaultRateLimits, ...defined, pointsPerMinuteByRole: Object.freeze(byRole) });
    const base = `${options.keyPrefix ?? 'psgraph'}:rate-limit`;
    this.#create = (prefix, points) => {
      const memory = new RateLimiterMemory({ keyPrefix: `${base}:${prefix}`, points, duration: 60 });
      if (!options.redis) return memory;
      // Redis unreachable: each instance counts on its own meanwhile (its memory), rather than refusing or waiting.
      return new RateLimiterRedis({
        storeClient: options.redis,
        keyPrefix: `${base}:${prefix}`,
        points,
        duration: 60,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
    };
    const { unauthenticatedPerMinute } = this.limits;
    this.#unauthenticated = unauthenticatedPerMinute > 0 ? this.#create('ip', unauthenticatedPerMinute) : null;
  }

  /** The client's address: the socket's peer, or the last X-Forwarded-For entry when a trusted proxy sets it. */
  clientAddress(req: Pick<IncomingMessage, 'headers'> & { socket: { remoteAddress?: string } }): string {
    const forwarded = req.headers['x-forwarded-for'];
    const trusted = this.limits.trustedProxy && typeof forwarded === 'string';
    return (trusted && forwarded.split(',').at(-1)?.trim()) || req.socket.remoteAddress || 'unknown';
  }

  /** A request without a valid token from `address`: null while it may go on (to its 401), else the 429. */
  async refuseUnauthenticated(address: string): Promise<GraphQLError | null> {
    if (!this.#unauthenticated) return null;
    const refused = await consume(this.#unauthenticated, address, 1);
    if (refused === null) return null;
    return rateLimited('Too many requests without a valid token from this address: wait and try again.', refused);
  }

  /** An identity's request of `cost` points (its estimate): null when served, else the 429 to answer. */
  async refuse(identity: Identity, address: string, cost: number | undefined): Promise<GraphQLError | null> {
    if (identity.service || this.limits.pointsPerMinute <= 0) return null;
    const { pointsPerMinute, pointsPerMinuteByRole, minPointsPerRequest } = this.limits;
    const budget = Math.max(pointsPerMinute, ...identity.roles.map((role) => pointsPerMinuteByRole[role] ?? 0));
    let limiter = this.#byBudget.get(budget);
    if (!limiter) this.#byBudget.set(budget, (limiter = this.#create(`points-${budget}`, budget)));
    // Tokens that name no one (operators' tokens) share a caller, so they are told apart by address as well.
    const caller = callerOf(identity);
    const key = caller.startsWith('roles:') ? `${caller}@${address}` : caller;
    // At most the whole budget: with a budget set below demand control's, a costly operation still runs once a minute.
    const points = Math.min(Math.max(Math.ceil(cost ?? 1), minPointsPerRequest, 1), budget);
    const refused = await consume(limiter, key, points);
    if (refused === null) return null;
    const message = `Rate limit reached: at most ${budget} cost points a minute for this caller. Wait and try again.`;
    return rateLimited(message, refused);
  }

  /**
   * The Apollo Server plugin: after demand control has estimated the operation (`costOf`, set in its
   * `didResolveOperation`, which runs first and synchronously), spends that many points of the caller's bucket or
   * refuses with 429. An operation demand control refused has no cost and spends the floor: it was not run, but it
   * is a request. `refuse`: where the points are spent (the analytics lane's worker spends the main thread's buckets).
   */
  plugin(
    costOf: (context: GatewayContext) => number | undefined,
    refuse: RateLimit['refuse'] = (identity, address, cost) => this.refuse(identity, address, cost),
  ): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async ({ request, contextValue }) => {
        if (!request.http || contextValue.identity.service) return;
        return {
          didResolveOperation: async () => {
            const { identity, clientAddress = 'unknown' } = contextValue;
            const refused = await refuse(identity, clientAddress, costOf(contextValue));
            if (refused) throw refused;
          },
        };
      },
    };
  }
}

/** Spends `points` of `key`'s bucket: null when there were enough, else the seconds until there are (at least 1). */
async function consume(limiter: RateLimiterAbstract, key: string, points: number): Promise<number | null> {
  try {
    await limiter.consume(key, points);
    return null;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
  }
}
