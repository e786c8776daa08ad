import { DEFAULT_AUDIT_RETENTION_DAYS } from './audit/migration.ts';
import { dutyRuleNames, type DutyRule } from './audit/segregation.ts';
import { roles, type Role, type SignedIdentityPolicy } from './auth/identity.ts';
import { outboundPolicyFrom, type OutboundPolicy } from './http/outbound.ts';
import { webhookSettingsFrom, type WebhookSettings } from './webhooks/settings.ts';

export const subgraphNames = ['crm', 'hcm', 'psa', 'time', 'erp'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

/** Default ports when each subgraph runs as its own process (production topology). */
export const defaultSubgraphPorts: Record<SubgraphName, number> = { crm: 4001, hcm: 4002, psa: 4003, time: 4004, erp: 4005 };

/** What a worker claim is matched against in hcm. */
export const workerMatches = ['email', 'employeeNumber', 'id'] as const;
export type WorkerMatch = (typeof workerMatches)[number];

/** A value of a token claim (a group, an app role, a client id) and the psgraph roles it grants. */
export type RoleMap = ReadonlyMap<string, readonly Role[]>;

export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly workerClaim: string;
  readonly workerMatch: WorkerMatch;
  readonly roleClaim: string;
  /** null: claim values spelled as psgraph's roles (`FINANCE`) map to themselves. */
  readonly roleMap: RoleMap | null;
  readonly clientRoleMap: RoleMap;
  /** After the issuer's keys were fetched, how long a token with an unknown `kid` is refused without fetching again. */
  readonly jwksCooldownSeconds: number;
}

/** Everything psgraph reads from the environment. Parsed once at start-up and frozen. */
export interface Config {
  /** `production` masks unexpected errors and requires explicit secrets. From NODE_ENV. */
  readonly production: boolean;
  /** Where the embedded PGlite database lives (PSGRAPH_DATA_DIR, default `./data`). */
  readonly dataDir: string;
  /** Port of this process's HTTP server (PORT). The gateway defaults to 4000, subgraphs to 4001-4005. */
  readonly port: number | undefined;
  /** Host to bind (HOST, default 127.0.0.1; use 0.0.0.0 in containers). */
  readonly host: string;
  /** PostgreSQL URL of this subgraph's database (DATABASE_URL). Unset: the embedded PGlite database. */
  readonly databaseUrl: string | undefined;
  /** Postgres schema of a subgraph process's tables (DATABASE_SCHEMA, default the subgraph's name). */
  readonly databaseSchema: string | undefined;
  /** Redis URL for the event bus (REDIS_URL). Unset: the in-process bus. */
  readonly redisUrl: string | undefined;
  /** The Redis stream all processes of one deployment share (EVENT_STREAM, default `psgraph:events`). */
  readonly eventStream: string;
  /** HS256 secret that client bearer tokens are signed with (JWT_SECRET). */
  readonly jwtSecret: string | undefined;
  /** HMAC secret the gateway signs forwarded identities with; every subgraph needs the same (IDENTITY_SIGNING_SECRET). */
  readonly identitySigningSecret: string | undefined;
  /** The gateway's GraphQL URL, for subgraphs that read the graph as a service (GATEWAY_URL). */
  readonly gatewayUrl: string | undefined;
  /** Subgraph URLs for the gateway (CRM_URL, HCM_URL, PSA_URL, TIME_URL, ERP_URL). */
  readonly subgraphUrls: Partial<Record<SubgraphName, string>>;
  /**
   * The gateway's subscriptions: events kept for resuming (SUBSCRIPTION_REPLAY_EVENTS, SUBSCRIPTION_REPLAY_SECONDS)
   * results a subscriber may leave unread (SUBSCRIPTION_QUEUE_LIMIT) and live connections per identity
   * (SUBSCRIPTION_CONNECTIONS_PER_IDENTITY). Unset: the gateway's defaults.
   */
  readonly subscriptions: {
    readonly replayEvents?: number;
    readonly replayMs?: number;
    readonly maxQueued?: number;
    readonly maxConnectionsPerIdentity?: number;
  };
  /**
   * psa's staffing: a CONFIRMED assignment may book a worker up to this percent of their weekly capacity
   * (STAFFING_OVERBOOKING_LIMIT_PERCENT, default 100); past it `staffRequest` answers OVERBOOKED.
   */
  readonly staffing: { readonly overbookingLimitPercent: number };
  /**
   * time's capture: how many days after today (the UTC calendar date) a worker may log a DRAFT entry ahead
   * (TIME_ENTRY_FUTURE_DAYS, default 14: this week and the next, to plan them; 0 = none). Submitting and approving
   * always refuse an entry dated after today (FUTURE_DATE), whatever the window: work is billed once it is done.
   */
  readonly time: { readonly futureDays: number };
  /**
   * erp's reconciliation job: seconds between scheduled runs (RECONCILIATION_INTERVAL_SECONDS, default 0 = no
   * schedule, on demand only) and how long a cost posting or an invoice may lag (RECONCILIATION_GRACE_MINUTES,
   * default 60).
   */
  readonly reconciliation: { readonly intervalSeconds: number; readonly graceMinutes: number };
  /**
   * Domain events: how long each subgraph keeps published events in its outbox for consumers that missed them and
   * ask for a replay (EVENT_RETENTION_HOURS, default 168 = 7 days), and after how many failed deliveries a consumer
   * parks an event as a dead letter and goes on with the next (DEAD_LETTER_AFTER_ATTEMPTS, default 10; failures of
   * an unreachable dependency such as the gateway do not count, those are retried for as long as they last).
   */
  readonly events: { readonly retentionHours: number; readonly deadLetterAfterAttempts: number };
  /**
   * The audit log (lib/audit): how many days each subgraph keeps its records (AUDIT_RETENTION_DAYS, default 2557, seven
   * years and a day). Older records are removed once a day; the table's trigger refuses removing any younger. And the
   * segregation-of-duties rules erp enforces from it (SEGREGATION_OF_DUTIES: `invoices`, `credit-notes`, comma
   * separated, or `all`; default none): the person who drafted a document may not issue it.
   */
  readonly audit?: { readonly retentionDays: number; readonly segregationOfDuties?: readonly DutyRule[] };
  /**
   * The gateway's HTTP edge: the largest request body it reads (GRAPHQL_MAX_BODY_BYTES, default 2 MiB; larger is a 413
   * PAYLOAD_TOO_LARGE) and the browser origins allowed to call it and to open its WebSocket (CORS_ORIGINS,
   * comma-separated, or `*` for any; unset: none, same-origin only). Clients authenticate with bearer tokens, never
   * cookies, so credentials are never allowed and `*` exposes nothing a token does not already grant.
   */
  readonly http: { readonly maxBodyBytes: number; readonly corsOrigins: readonly string[] };
  /**
   * Client bearer tokens: the longest lifetime accepted, `exp − iat` (TOKEN_MAX_LIFETIME_SECONDS, default 86400 =
   * 24 h), and the clock skew allowed when `exp`, `nbf` and `iat` are compared with now (TOKEN_CLOCK_SKEW_SECONDS,
   * default 30).
   */
  readonly tokens: { readonly maxLifetimeSeconds: number; readonly clockSkewSeconds: number };
  /**
   * Sign-in with the firm's identity provider (README "Connect your identity provider"): the gateway accepts its
   * access tokens when OIDC_ISSUER is set; null otherwise. OIDC_AUDIENCE (required then) is the `aud` they must carry.
   * The worker a token names: its claim OIDC_WORKER_CLAIM (default `email`) matched against hcm's worker field
   * OIDC_WORKER_MATCH (`email`, `employeeNumber` or `id`; default `email`). Its roles: the values of the claim
   * OIDC_ROLE_CLAIM (default `roles`; a dotted path such as `realm_access.roles` reaches into objects) through
   * OIDC_ROLE_MAP (`group=ROLE,…`; unset: values spelled as psgraph's roles map to themselves). A token without the
   * worker claim is a program's (client credentials): accepted only for a client id in OIDC_CLIENT_ROLE_MAP
   * (`client=ROLE,…`), with those roles. A token signed with a key the gateway has not seen fetches the issuer's keys
   * again, at most once per OIDC_JWKS_COOLDOWN_SECONDS (default 30).
   */
  readonly oidc: OidcConfig | null;
  /**
   * The identity the gateway signs for each call to a subgraph (and a subgraph for its calls to the graph), bound to
   * that call's method, path and body: how long after signing the receiver accepts it (IDENTITY_VALIDITY_SECONDS,
   * default 60), give or take TOKEN_CLOCK_SKEW_SECONDS. Read by the gateway and every subgraph.
   */
  readonly signedIdentity: SignedIdentityPolicy;
  /**
   * What one client operation may ask of the gateway (README "Query limits"): QUERY_MAX_DEPTH, QUERY_MAX_ALIASES,
   * QUERY_MAX_ROOT_FIELDS, QUERY_MAX_TOKENS, QUERY_MAX_DIRECTIVES, the cost budget QUERY_MAX_COST and per role
   * QUERY_MAX_COST_<ROLE> (QUERY_MAX_COST_FINANCE, …). Unset: the gateway's defaults (gateway/demand-control/limits.ts).
   */
  readonly queryLimits: {
    readonly maxDepth?: number;
    readonly maxAliases?: number;
    readonly maxRootFields?: number;
    readonly maxTokens?: number;
    readonly maxDirectives?: number;
    readonly maxCost?: number;
    readonly maxCostByRole: Readonly<Partial<Record<Role, number>>>;
  };
  /**
   * The gateway's time limits (README "Timeouts"): how long a client operation may take, its deadline passed on to the
   * subgraphs (GATEWAY_REQUEST_TIMEOUT_MS, default 30000), how long one subgraph call may take (SUBGRAPH_TIMEOUT_MS,
   * default 10000), and each subgraph's circuit breaker: consecutive failed calls that open it
   * (SUBGRAPH_BREAKER_FAILURES, default 5) and how long it then fails fast before one trial call
   * (SUBGRAPH_BREAKER_COOLDOWN_MS, default 10000). Unset: the gateway's defaults (gateway/subgraph-guard.ts).
   */
  readonly timeouts: {
    readonly requestMs?: number;
    readonly subgraphMs?: number;
    readonly breakerFailures?: number;
    readonly breakerCooldownMs?: number;
  };
  /**
   * The gateway's rate limits (README "Rate limits"): cost points one identity may spend per minute
   * (RATE_LIMIT_POINTS_PER_MINUTE, default 300000; 0 turns them off) and per role (RATE_LIMIT_POINTS_PER_MINUTE_<ROLE>;
   * the largest of a caller's roles applies), the least one request costs (RATE_LIMIT_MIN_POINTS_PER_REQUEST, default
   * 1000), requests without a valid token per IP address and minute (RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE, default
   * 60; 0: unlimited), and whether the address is the last X-Forwarded-For entry (TRUSTED_PROXY=true, only behind a
   * proxy that sets it). Unset: the gateway's defaults (gateway/rate-limit.ts).
   */
  readonly rateLimits: {
    readonly pointsPerMinute?: number;
    readonly pointsPerMinuteByRole: Readonly<Partial<Record<Role, number>>>;
    readonly minPointsPerRequest?: number;
    readonly unauthenticatedPerMinute?: number;
    readonly trustedProxy: boolean;
  };
  /**
   * Who may introspect the schema (`__schema`, `__type`) through the gateway (README "Introspection"): the roles in
   * INTROSPECTION_ROLES (comma-separated; `*` for every authenticated caller, `none` for nobody). Default: every
   * authenticated caller in development, ADMIN in production. Requests without a token are refused (401) either way.
   */
  readonly introspection: { readonly roles: readonly Role[] | '*' };
  /**
   * Trusted documents (README "Trusted documents"): the manifest of the operations first-party apps may send, by hash
   * (TRUSTED_DOCUMENTS, a file path; unset: any document, as before), and the roles that may still send documents not
   * in it (TRUSTED_DOCUMENTS_ARBITRARY_ROLES, comma-separated or `none`, default ADMIN).
   */
  readonly trustedDocuments: { readonly manifestPath: string | undefined; readonly arbitraryRoles: readonly Role[] };
  /** hcm's webhooks out (README "Get told of changes"): retries, time limits, disabling, the secrets' key (WEBHOOK_*). */
  readonly webhooks: WebhookSettings;
  /**
   * Whether URLs an ADMIN gives (webhook endpoints, import files) may name private or local addresses
   * (OUTBOUND_ALLOW_PRIVATE_NETWORKS; default: yes in development, no in production).
   */
  readonly outbound: OutboundPolicy;
  /**
   * How long a process waits at start for its PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) to answer, retrying with
   * backoff, before it gives up with one line (STARTUP_RETRY_SECONDS, default 30; 0: one attempt).
   */
  readonly startup: { readonly retrySeconds: number };
  /**
   * Prometheus metrics on `/metrics` of every process (README "Operate"): on unless METRICS_ENABLED=false; with
   * METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`.
   */
  readonly metrics: { readonly enabled: boolean; readonly token: string | undefined };
  /**
   * The browser IDE, GraphiQL at GET /graphql for a browser (README "The browser IDE"): on unless
   * GRAPHIQL_ENABLED=false.
   */
  readonly graphiql: { readonly enabled: boolean };
  /**
   * Whether the gateway merges identical subgraph calls in flight (README "Timeouts", gateway/inflight-dedupe.ts):
   * on unless SUBGRAPH_DEDUPE=false.
   */
  readonly subgraphDedupe: boolean;
  /**
   * The gateway's entity cache (README "Entity cache", gateway/entity-cache/): off unless ENTITY_CACHE=true; at most
   * ENTITY_CACHE_MAX_BYTES of answers per gateway instance (default 64 MiB).
   */
  readonly entityCache: { readonly enabled: boolean; readonly maxBytes?: number };
  /**
   * The gateway's analytics lane (README "Configuration", gateway/analytics-lane.ts): queries estimated at
   * ANALYTICS_LANE_MIN_COST points or more (default 5,000) run in a worker thread; off unless ANALYTICS_LANE=true.
   */
  readonly analyticsLane: { readonly enabled: boolean; readonly minCost?: number };
  /** info | warn | error | silent (LOG_LEVEL, default info). */
  readonly logLevel: 'info' | 'warn' | 'error' | 'silent';
}

/** A switch: `true` or `false`, unset means `fallback` (on for METRICS_ENABLED, GRAPHIQL_ENABLED; off for TRUSTED_PROXY). */
function enabledSetting(env: NodeJS.ProcessEnv, variable: string, fallback = true): boolean {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(variable, `must be true or false, got "${raw}"`, `set true or false, or unset it (${fallback ? 'on' : 'off'})`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT ? Number(env.PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new ConfigError('PORT', `must be a port number, got "${env.PORT}"`, 'set it to a free port such as 4000, or unset it');
  }
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!['info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be info|warn|error|silent, got "${env.LOG_LEVEL}"`, 'set one of those or unset it');
  }
  const subgraphUrls: Partial<Record<SubgraphName, string>> = {};
  for (const name of subgraphNames) {
    const url = urlSetting(env, `${name.toUpperCase()}_URL`, ['http:', 'https:'], `http://${name}:${defaultSubgraphPorts[name]}/graphql`);
    if (url) subgraphUrls[name] = url;
  }
  const positive = (variable: string) => {
    const raw = env[variable];
    if (!raw) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new ConfigError(variable, `must be a positive integer, got "${raw}"`, 'set a whole number above 0, or unset it for the default');
    }
    return value;
  };
  const replaySeconds = positive('SUBSCRIPTION_REPLAY_SECONDS');
  const nonNegative = (variable: string, fallback: number) => {
    const raw = env[variable];
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigError(variable, `must be a non-negative integer, got "${raw}"`, 'set a whole number of 0 or more, or unset it for the default');
    }
    return value;
  };
  const futureDays = nonNegative('TIME_ENTRY_FUTURE_DAYS', 14);
  if (futureDays > 366) {
    throw new ConfigError('TIME_ENTRY_FUTURE_DAYS', `must be at most 366, got "${env.TIME_ENTRY_FUTURE_DAYS}"`, 'set 0 to 366 days');
  }
  return Object.freeze({
    production: env.NODE_ENV === 'production',
    dataDir: env.PSGRAPH_DATA_DIR ?? './data',
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: urlSetting(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database'),
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    redisUrl: urlSetting(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://host:6379'),
    eventStream: env.EVENT_STREAM || 'psgraph:events',
    jwtSecret: env.JWT_SECRET || undefined,
    identitySigningSecret: env.IDENTITY_SIGNING_SECRET || undefined,
    gatewayUrl: urlSetting(env, 'GATEWAY_URL', ['http:', 'https:'], 'http://gateway:4000/graphql'),
    subgraphUrls: Object.freeze(subgraphUrls),
    subscriptions: Object.freeze({
      replayEvents: positive('SUBSCRIPTION_REPLAY_EVENTS'),
      replayMs: replaySeconds === undefined ? undefined : replaySeconds * 1000,
      maxQueued: positive('SUBSCRIPTION_QUEUE_LIMIT'),
      maxConnectionsPerIdentity: positive('SUBSCRIPTION_CONNECTIONS_PER_IDENTITY'),
    }),
    staffing: Object.freeze({ overbookingLimitPercent: positive('STAFFING_OVERBOOKING_LIMIT_PERCENT') ?? 100 }),
    time: Object.freeze({ futureDays }),
    reconciliation: Object.freeze({
      intervalSeconds: nonNegative('RECONCILIATION_INTERVAL_SECONDS', 0),
      graceMinutes: nonNegative('RECONCILIATION_GRACE_MINUTES', 60),
    }),
    metrics: Object.freeze({ enabled: enabledSetting(env, 'METRICS_ENABLED'), token: env.METRICS_TOKEN || undefined }),
    graphiql: Object.freeze({ enabled: enabledSetting(env, 'GRAPHIQL_ENABLED') }),
    subgraphDedupe: enabledSetting(env, 'SUBGRAPH_DEDUPE'),
    entityCache: Object.freeze({ enabled: enabledSetting(env, 'ENTITY_CACHE', false), maxBytes: positive('ENTITY_CACHE_MAX_BYTES') }),
    analyticsLane: Object.freeze({ enabled: enabledSetting(env, 'ANALYTICS_LANE', false), minCost: positive('ANALYTICS_LANE_MIN_COST') }),
    events: Object.freeze({
      retentionHours: positive('EVENT_RETENTION_HOURS') ?? 168,
      deadLetterAfterAttempts: positive('DEAD_LETTER_AFTER_ATTEMPTS') ?? 10,
    }),
    audit: Object.freeze({
      retentionDays: positive('AUDIT_RETENTION_DAYS') ?? DEFAULT_AUDIT_RETENTION_DAYS,
      segregationOfDuties: segregationOfDuties(env.SEGREGATION_OF_DUTIES),
    }),
    http: Object.freeze({
      maxBodyBytes: positive('GRAPHQL_MAX_BODY_BYTES') ?? 2 * 1024 * 1024,
      corsOrigins: corsOrigins(env.CORS_ORIGINS),
    }),
    tokens: Object.freeze({
      maxLifetimeSeconds: positive('TOKEN_MAX_LIFETIME_SECONDS') ?? 24 * 60 * 60,
      clockSkewSeconds: nonNegative('TOKEN_CLOCK_SKEW_SECONDS', 30),
    }),
    signedIdentity: Object.freeze({
      validitySeconds: positive('IDENTITY_VALIDITY_SECONDS') ?? 60,
      clockSkewSeconds: nonNegative('TOKEN_CLOCK_SKEW_SECONDS', 30),
    }),
    oidc: oidcConfig(env, nonNegative),
    queryLimits: Object.freeze({
      maxDepth: positive('QUERY_MAX_DEPTH'),
      // Zero aliases or directives is a setting of its own (none allowed), unlike zero depth or cost.
      maxAliases: env.QUERY_MAX_ALIASES ? nonNegative('QUERY_MAX_ALIASES', 0) : undefined,
      maxRootFields: positive('QUERY_MAX_ROOT_FIELDS'),
      maxTokens: positive('QUERY_MAX_TOKENS'),
      maxDirectives: env.QUERY_MAX_DIRECTIVES ? nonNegative('QUERY_MAX_DIRECTIVES', 0) : undefined,
      maxCost: positive('QUERY_MAX_COST'),
      maxCostByRole: Object.freeze(
        Object.fromEntries(
          roles.filter((role) => env[`QUERY_MAX_COST_${role}`]).map((role) => [role, positive(`QUERY_MAX_COST_${role}`)]),
        ),
      ),
    }),
    timeouts: Object.freeze({
      requestMs: positive('GATEWAY_REQUEST_TIMEOUT_MS'),
      subgraphMs: positive('SUBGRAPH_TIMEOUT_MS'),
      breakerFailures: positive('SUBGRAPH_BREAKER_FAILURES'),
      breakerCooldownMs: positive('SUBGRAPH_BREAKER_COOLDOWN_MS'),
    }),
    rateLimits: Object.freeze({
      pointsPerMinute: env.RATE_LIMIT_POINTS_PER_MINUTE ? nonNegative('RATE_LIMIT_POINTS_PER_MINUTE', 0) : undefined,
      pointsPerMinuteByRole: Object.freeze(
        Object.fromEntries(
          roles
            .filter((role) => env[`RATE_LIMIT_POINTS_PER_MINUTE_${role}`])
            .map((role) => [role, positive(`RATE_LIMIT_POINTS_PER_MINUTE_${role}`)]),
        ),
      ),
      minPointsPerRequest: positive('RATE_LIMIT_MIN_POINTS_PER_REQUEST'),
      unauthenticatedPerMinute: env.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE
        ? nonNegative('RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE', 0)
        : undefined,
      trustedProxy: enabledSetting(env, 'TRUSTED_PROXY', false),
    }),
    introspection: Object.freeze({
      roles: roleList(env, 'INTROSPECTION_ROLES', env.NODE_ENV === 'production' ? ['ADMIN'] : '*', true),
    }),
    trustedDocuments: Object.freeze({
      manifestPath: env.TRUSTED_DOCUMENTS || undefined,
      arbitraryRoles: roleList(env, 'TRUSTED_DOCUMENTS_ARBITRARY_ROLES', ['ADMIN']),
    }),
    webhooks: asConfigError(() => webhookSettingsFrom(env)),
    outbound: asConfigError(() => outboundPolicyFrom(env)),
    startup: Object.freeze({ retrySeconds: nonNegative('STARTUP_RETRY_SECONDS', 30) }),
    logLevel,
  });
}

/** SEGREGATION_OF_DUTIES: rule names (lib/audit/segregation.ts) separated by commas, `all`, or `none`/unset. */
function segregationOfDuties(raw: string | undefined): readonly DutyRule[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  if (entries.length === 0 || (entries.length === 1 && entries[0] === 'none')) return Object.freeze([]);
  if (entries.length === 1 && entries[0] === 'all') return Object.freeze([...dutyRuleNames]);
  for (const entry of entries) {
    if (!dutyRuleNames.includes(entry as DutyRule)) {
      throw new ConfigError('SEGREGATION_OF_DUTIES', `"${entry}" is not a rule`, `list ${dutyRuleNames.join(', ')}, or set all or none`);
    }
  }
  return Object.freeze([...new Set(entries)] as DutyRule[]);
}

/**
 * CORS_ORIGINS: `*`, or origins (`https://portal.example.com`, scheme, host and port only) separated by commas,
 * normalized as browsers send them. `null` is refused: sandboxed frames and local files share it, so allowing it
 * would allow them all.
 */
function corsOrigins(raw: string | undefined): readonly string[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.includes('*')) {
    if (entries.length > 1) throw new ConfigError('CORS_ORIGINS', `is either * or a list of origins, got "${raw}"`, 'set * alone or only origins');
    return Object.freeze(['*']);
  }
  return Object.freeze(
    entries.map((entry) => {
      const url = URL.canParse(entry) ? new URL(entry) : null;
      const bare = url && /^https?:$/.test(url.protocol) && url.pathname === '/' && !url.search && !url.hash && !url.username;
      if (!url || !bare) {
        throw new ConfigError('CORS_ORIGINS', `"${entry}" is not an origin`, 'list origins such as https://portal.example.com (scheme, host, port; no path)');
      }
      return url.origin;
    }),
  );
}

/** A list of roles (`FINANCE,ADMIN`), `none`, or `*` for every authenticated caller where the setting allows it. */
function roleList(env: NodeJS.ProcessEnv, variable: string, fallback: readonly Role[]): readonly Role[];
function roleList(env: NodeJS.ProcessEnv, variable: string, fallback: readonly Role[] | '*', anyCaller: true): readonly Role[] | '*';
function roleList(env: NodeJS.ProcessEnv, variable: string, fallback: readonly Role[] | '*', anyCaller = false) {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  if (raw === '*' && anyCaller) return '*';
  if (raw === 'none') return Object.freeze([]);
  const entries = raw.split(',').map((entry) => entry.trim().toUpperCase()).filter(Boolean);
  if (entries.length === 0 || entries.some((entry) => !(roles as readonly string[]).includes(entry))) {
    throw new ConfigError(variable, `"${raw}" is not a list of roles`, `list roles of ${roles.join(', ')}${anyCaller ? ', or *' : ''}; or none`);
  }
  return Object.freeze([...new Set(entries)] as Role[]);
}

function oidcConfig(env: NodeJS.ProcessEnv, nonNegative: (variable: string, fallback: number) => number): OidcConfig | null {
  const issuer = env.OIDC_ISSUER?.trim();
  if (!issuer) return null;
  if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
    throw new ConfigError('OIDC_ISSUER', `must be the identity provider's issuer URL, got "${issuer}"`, 'set the https:// issuer your provider publishes');
  }
  const audience = env.OIDC_AUDIENCE?.trim();
  // Without it, a token the provider issued for any other application of the firm would be accepted here.
  if (!audience) {
    throw new ConfigError('OIDC_AUDIENCE', 'is required with OIDC_ISSUER', 'set it to the "aud" of tokens issued for psgraph');
  }
  const workerMatch = (env.OIDC_WORKER_MATCH?.trim() || 'email') as WorkerMatch;
  if (!workerMatches.includes(workerMatch)) {
    throw new ConfigError('OIDC_WORKER_MATCH', `must be one of ${workerMatches.join(', ')}, got "${env.OIDC_WORKER_MATCH}"`, 'set one of those or unset it');
  }
  return Object.freeze({
    issuer,
    audience,
    workerClaim: env.OIDC_WORKER_CLAIM?.trim() || 'email',
    workerMatch,
    roleClaim: env.OIDC_ROLE_CLAIM?.trim() || 'roles',
    roleMap: env.OIDC_ROLE_MAP?.trim() ? roleMap(env.OIDC_ROLE_MAP, 'OIDC_ROLE_MAP') : null,
    clientRoleMap: roleMap(env.OIDC_CLIENT_ROLE_MAP ?? '', 'OIDC_CLIENT_ROLE_MAP'),
    jwksCooldownSeconds: nonNegative('OIDC_JWKS_COOLDOWN_SECONDS', 30),
  });
}

/** `value=ROLE,value=ROLE`: a value may be listed again for more roles; the last `=` splits (values may hold one). */
function roleMap(raw: string, variable: string): RoleMap {
  const map = new Map<string, Role[]>();
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const split = entry.lastIndexOf('=');
    const value = entry.slice(0, split).trim();
    const role = entry.slice(split + 1).trim().toUpperCase();
    if (split <= 0 || !(roles as readonly string[]).includes(role)) {
      throw new ConfigError(variable, `"${entry}" is not value=ROLE`, `write value=ROLE pairs with a role of ${roles.join(', ')}`);
    }
    map.set(value, [...new Set([...(map.get(value) ?? []), role as Role])]);
  }
  return map;
}

/** The value, or a start-up failure that names the missing variable. */
export function requireSetting<T>(value: T | undefined, variable: string, fix?: string): T {
  if (value === undefined || value === '') {
    throw new ConfigError(variable, 'is not set', `${fix ?? 'set it'}; see the README's Configuration section`);
  }
  return value;
}

/**
 * A setting that stops the process at start: `<VARIABLE>: <problem> — <fix>`. The entry points (lib/startup.ts) print
 * it as one line, without a stack trace: it is the operator's to fix, not a bug.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    // Reads as a sentence ("PORT must be …", "CORS_ORIGINS: "x" is not …"); lib/startup.ts prints the parts.
    super(`${variable}${problem.startsWith('"') ? ':' : ''} ${problem} — ${fix}`);
    this.name = 'ConfigError';
  }
}

/** An optional URL setting: unset, or a URL of one of `protocols`. */
function urlSetting(env: NodeJS.ProcessEnv, variable: string, protocols: readonly string[], example: string): string | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  if (!URL.canParse(raw) || !protocols.includes(new URL(raw).protocol)) {
    throw new ConfigError(variable, `"${raw}" is not a ${protocols[0].slice(0, -1)} URL`, `write it as ${example}`);
  }
  return raw;
}

/** Settings parsed elsewhere throw plain errors that start with their variable's name; they become ConfigErrors. */
function asConfigError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const variable = error instanceof Error && !(error instanceof ConfigError) ? /^([A-Z][A-Z0-9_]+)\b:?\s*(.*)$/s.exec(error.message) : null;
    if (!variable) throw error;
    throw new ConfigError(variable[1], variable[2], 'correct it or unset it for the default; see the README\'s Configuration section');
  }
}
