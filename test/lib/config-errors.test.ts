import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../lib/config.ts';
import { parseCommandLine } from '../../lib/startup.ts';

/**
 * Every setting psgraph reads at start is checked there: a value it cannot use stops the process with a ConfigError
 * naming the variable (lib/startup.ts runMain prints it as one line). The list of settings is read from the source, so
 * a new setting without a case here fails this test until it is either checked or listed as free-form.
 */

/** One value each setting must refuse (with whatever else the check needs to reach it). */
const refused: Record<string, Record<string, string>> = {
  PORT: { PORT: '70000' },
  LOG_LEVEL: { LOG_LEVEL: 'loud' },
  CRM_URL: { CRM_URL: 'ftp://crm' },
  HCM_URL: { HCM_URL: 'not a url' },
  PSA_URL: { PSA_URL: 'psa:4003' },
  TIME_URL: { TIME_URL: 'ws://time' },
  ERP_URL: { ERP_URL: 'erp' },
  DATABASE_URL: { DATABASE_URL: 'mysql://db/x' },
  REDIS_URL: { REDIS_URL: 'http://redis' },
  GATEWAY_URL: { GATEWAY_URL: 'gateway:4000' },
  SUBSCRIPTION_REPLAY_SECONDS: { SUBSCRIPTION_REPLAY_SECONDS: '0' },
  SUBSCRIPTION_REPLAY_EVENTS: { SUBSCRIPTION_REPLAY_EVENTS: '-1' },
  SUBSCRIPTION_QUEUE_LIMIT: { SUBSCRIPTION_QUEUE_LIMIT: 'many' },
  SUBSCRIPTION_CONNECTIONS_PER_IDENTITY: { SUBSCRIPTION_CONNECTIONS_PER_IDENTITY: '1.5' },
  STAFFING_OVERBOOKING_LIMIT_PERCENT: { STAFFING_OVERBOOKING_LIMIT_PERCENT: '0' },
  TIME_ENTRY_FUTURE_DAYS: { TIME_ENTRY_FUTURE_DAYS: '400' },
  RECONCILIATION_INTERVAL_SECONDS: { RECONCILIATION_INTERVAL_SECONDS: '-5' },
  RECONCILIATION_GRACE_MINUTES: { RECONCILIATION_GRACE_MINUTES: 'an hour' },
  METRICS_ENABLED: { METRICS_ENABLED: 'yes' },
  GRAPHIQL_ENABLED: { GRAPHIQL_ENABLED: 'on' },
  SUBGRAPH_DEDUPE: { SUBGRAPH_DEDUPE: 'no' },
  ENTITY_CACHE: { ENTITY_CACHE: 'on' },
  ENTITY_CACHE_MAX_BYTES: { ENTITY_CACHE_MAX_BYTES: '64MB' },
  ANALYTICS_LANE: { ANALYTICS_LANE: 'yes' },
  ANALYTICS_LANE_MIN_COST: { ANALYTICS_LANE_MIN_COST: '5k' },
  EVENT_RETENTION_HOURS: { EVENT_RETENTION_HOURS: '0' },
  DEAD_LETTER_AFTER_ATTEMPTS: { DEAD_LETTER_AFTER_ATTEMPTS: 'x' },
  AUDIT_RETENTION_DAYS: { AUDIT_RETENTION_DAYS: '0' },
  SEGREGATION_OF_DUTIES: { SEGREGATION_OF_DUTIES: 'invoices,payments' },
  GRAPHQL_MAX_BODY_BYTES: { GRAPHQL_MAX_BODY_BYTES: '2MB' },
  CORS_ORIGINS: { CORS_ORIGINS: 'https://portal.example.com/app' },
  TOKEN_MAX_LIFETIME_SECONDS: { TOKEN_MAX_LIFETIME_SECONDS: '0' },
  TOKEN_CLOCK_SKEW_SECONDS: { TOKEN_CLOCK_SKEW_SECONDS: '-1' },
  IDENTITY_VALIDITY_SECONDS: { IDENTITY_VALIDITY_SECONDS: '1m' },
  OIDC_ISSUER: { OIDC_ISSUER: 'login.example.com' },
  OIDC_AUDIENCE: { OIDC_ISSUER: 'https://login.example.com' },
  OIDC_WORKER_MATCH: { OIDC_ISSUER: 'https://login.example.com', OIDC_AUDIENCE: 'psgraph', OIDC_WORKER_MATCH: 'name' },
  OIDC_ROLE_MAP: { OIDC_ISSUER: 'https://login.example.com', OIDC_AUDIENCE: 'psgraph', OIDC_ROLE_MAP: 'finance=BOSS' },
  OIDC_CLIENT_ROLE_MAP: { OIDC_ISSUER: 'https://login.example.com', OIDC_AUDIENCE: 'psgraph', OIDC_CLIENT_ROLE_MAP: 'etl' },
  OIDC_JWKS_COOLDOWN_SECONDS: { OIDC_ISSUER: 'https://login.example.com', OIDC_AUDIENCE: 'psgraph', OIDC_JWKS_COOLDOWN_SECONDS: 'x' },
  QUERY_MAX_DEPTH: { QUERY_MAX_DEPTH: '0' },
  QUERY_MAX_ALIASES: { QUERY_MAX_ALIASES: '-1' },
  QUERY_MAX_ROOT_FIELDS: { QUERY_MAX_ROOT_FIELDS: 'x' },
  QUERY_MAX_TOKENS: { QUERY_MAX_TOKENS: '0' },
  QUERY_MAX_DIRECTIVES: { QUERY_MAX_DIRECTIVES: 'some' },
  QUERY_MAX_COST: { QUERY_MAX_COST: '0' },
  QUERY_MAX_COST_FINANCE: { QUERY_MAX_COST_FINANCE: '-3' },
  GATEWAY_REQUEST_TIMEOUT_MS: { GATEWAY_REQUEST_TIMEOUT_MS: '30s' },
  SUBGRAPH_TIMEOUT_MS: { SUBGRAPH_TIMEOUT_MS: '0' },
  SUBGRAPH_BREAKER_FAILURES: { SUBGRAPH_BREAKER_FAILURES: 'x' },
  SUBGRAPH_BREAKER_COOLDOWN_MS: { SUBGRAPH_BREAKER_COOLDOWN_MS: '-1' },
  RATE_LIMIT_POINTS_PER_MINUTE: { RATE_LIMIT_POINTS_PER_MINUTE: 'lots' },
  RATE_LIMIT_POINTS_PER_MINUTE_WORKER: { RATE_LIMIT_POINTS_PER_MINUTE_WORKER: '0' },
  RATE_LIMIT_MIN_POINTS_PER_REQUEST: { RATE_LIMIT_MIN_POINTS_PER_REQUEST: '0' },
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '-1' },
  TRUSTED_PROXY: { TRUSTED_PROXY: 'yes' },
  INTROSPECTION_ROLES: { INTROSPECTION_ROLES: 'EVERYONE' },
  TRUSTED_DOCUMENTS_ARBITRARY_ROLES: { TRUSTED_DOCUMENTS_ARBITRARY_ROLES: '*' },
  WEBHOOK_RETRY_FOR: { WEBHOOK_RETRY_FOR: 'a day' },
  WEBHOOK_BACKOFF_BASE: { WEBHOOK_BACKOFF_BASE: '0s' },
  WEBHOOK_BACKOFF_MAX: { WEBHOOK_BACKOFF_MAX: '5 minutes' },
  WEBHOOK_TIMEOUT: { WEBHOOK_TIMEOUT: '10' },
  WEBHOOK_DISABLE_AFTER: { WEBHOOK_DISABLE_AFTER: 'never' },
  WEBHOOK_DISABLE_AFTER_GIVEN_UP: { WEBHOOK_DISABLE_AFTER_GIVEN_UP: 'often' },
  WEBHOOK_POLL_INTERVAL: { WEBHOOK_POLL_INTERVAL: '-1s' },
  WEBHOOK_LOG_RETENTION: { WEBHOOK_LOG_RETENTION: '30' },
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'yes' },
  STARTUP_RETRY_SECONDS: { STARTUP_RETRY_SECONDS: 'forever' },
};

/** Settings any value of which is usable, or checked where they are used (named there). */
const freeForm = new Set([
  'NODE_ENV', // anything but production is development
  'PSGRAPH_DATA_DIR', // checked when the data directory is created (openPGlite, embeddedSecrets)
  'HOST', // checked when the server listens (runMain names HOST)
  'DATABASE_SCHEMA',
  'EVENT_STREAM',
  'JWT_SECRET',
  'IDENTITY_SIGNING_SECRET',
  'METRICS_TOKEN',
  'OIDC_WORKER_CLAIM',
  'OIDC_ROLE_CLAIM',
  'TRUSTED_DOCUMENTS', // a path: read and checked when the gateway starts (TrustedDocuments.load)
  'WEBHOOK_SECRET_KEY',
]);

/** The variables the settings modules read: `env.NAME`, `'NAME'`, and the per-role `NAME_${role}` families. */
function settingsReadBySource(): string[] {
  const files = ['lib/config.ts', 'lib/webhooks/settings.ts', 'lib/http/outbound.ts'];
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    for (const [, name] of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(name);
    for (const [, name] of text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) names.add(name);
    for (const [, name] of text.matchAll(/`([A-Z][A-Z0-9_]+)_\$\{role\}`/g)) names.add(`${name}_*`);
    for (const [, name] of text.matchAll(/`\$\{name\.toUpperCase\(\)\}(_[A-Z0-9_]+)`/g)) names.add(`*${name}`);
  }
  return [...names];
}

describe('settings: a value that cannot be used names its variable', () => {
  it('every setting the source reads is checked here or listed as free-form', () => {
    const covered = (name: string) =>
      freeForm.has(name) ||
      name in refused ||
      (name.endsWith('_*') && Object.keys(refused).some((key) => key.startsWith(name.slice(0, -1)))) ||
      (name.startsWith('*') && ['CRM', 'HCM', 'PSA', 'TIME', 'ERP'].every((subgraph) => `${subgraph}${name.slice(1)}` in refused));
    const missing = settingsReadBySource().filter((name) => !covered(name));
    assert.deepEqual(missing, [], 'add a refused value (or a free-form entry) for each');
  });

  for (const [variable, env] of Object.entries(refused)) {
    it(variable, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
          assert.equal(error.variable, variable);
          assert.ok(error.problem.length > 0 && error.fix.length > 0);
          assert.doesNotMatch(`${error.problem} ${error.fix}`, /\n/, 'one line');
          return true;
        },
      );
    });
  }

  it('takes none of the free-form or unset settings for a mistake', () => {
    assert.doesNotThrow(() => loadConfig({}));
    assert.doesNotThrow(() => loadConfig({ TRUSTED_PROXY: 'false', METRICS_ENABLED: 'true', HOST: '0.0.0.0', DATABASE_SCHEMA: 'crm_2' }));
  });
});

describe("a command's arguments: what parseArgs cannot read names the option", () => {
  const options = { options: { role: { type: 'string' }, 'dry-run': { type: 'boolean' } } } as const;
  const usage = 'usage: cmd [--role ROLE] [--dry-run]';
  const cases: [args: string[], option: string, problem: RegExp][] = [
    [['--frobnicate'], '--frobnicate', /^is not an option$/],
    [['--role'], '--role', /argument missing/],
    [['--dry-run=yes'], '--dry-run', /does not take an argument/],
    [['stray'], 'stray', /^is not expected here$/],
  ];
  for (const [args, option, problem] of cases) {
    it(args.join(' '), () => {
      assert.throws(
        () => parseCommandLine({ ...options, args }, usage),
        (error: unknown) => error instanceof ConfigError && error.variable === option && problem.test(error.problem) && error.fix === usage,
      );
    });
  }
  it('reads good arguments as parseArgs does', () => {
    const { values } = parseCommandLine({ ...options, args: ['--role', 'ADMIN', '--dry-run'] }, usage);
    assert.deepEqual({ ...values }, { role: 'ADMIN', 'dry-run': true });
  });
});
