import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../../lib/config.ts';
import { openPGlite } from '../../lib/db/database.ts';
import { silentLogger } from '../../lib/logger.ts';
import { startHub, type Hub } from '../../gateway/hub.ts';
import { bootstrapAdmin } from '../../subgraphs/hcm/bootstrap-admin.ts';
import { openHcmDatabase } from '../../subgraphs/hcm/db.ts';
import { usingPostgres } from '../support/database.ts';
import { testIdentitySecret, testJwtSecret } from '../support/hub-harness.ts';
import { newSigningKey, startIdentityProvider, type TestIdentityProvider } from '../support/oidc-provider.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run bootstrap-admin` as an operator runs it: its exit code, what it printed to stdout and to stderr. */
function bootstrap(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bootstrap-admin.ts', ...args], {
      cwd: root,
      // Only what the command reads: none of the test run's own settings (PG_URL, REDIS_URL) leak into it.
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The first run in production (README "First run in production"): on an empty database, the command makes the first
 * administrator, bound to the identity provider and with an API key; the gateway then accepts both, as ADMIN acting as
 * that worker. Run again, it changes nothing and says so; on a database that has workers, it refuses.
 */
describe('npm run bootstrap-admin on an empty database', () => {
  const suffix = randomBytes(4).toString('hex');
  const dataDir = usingPostgres ? null : mkdtempSync(join(tmpdir(), 'psgraph-bootstrap-'));
  const schemaFor = (name: string) => `t${suffix}_${name}`;
  const audience = 'https://psgraph.test/api';
  let idp: TestIdentityProvider;
  // The command opens hcm's database as `npm run start:hcm` would: DATABASE_URL and DATABASE_SCHEMA, or PGlite; and
  // reads the gateway's OIDC settings to know what --oidc-subject binds.
  const env: Record<string, string> = usingPostgres
    ? { DATABASE_URL: process.env.PG_URL!, DATABASE_SCHEMA: schemaFor('hcm') }
    : { PSGRAPH_DATA_DIR: dataDir! };
  const oidcSettings = () => ({
    OIDC_ISSUER: idp.issuer,
    OIDC_AUDIENCE: audience,
    OIDC_ROLE_CLAIM: 'groups',
    OIDC_ROLE_MAP: 'psgraph-admins=ADMIN',
  });
  const args = [
    ...['--email', 'ada@firm.example', '--name', 'Ada Byron', '--oidc-subject', 'ada@firm.example'],
    ...['--api-key', 'first admin', '--country', 'GB', '--currency', 'GBP'],
  ];
  let hub: Hub | undefined;
  let key = '';

  before(async () => {
    idp = await startIdentityProvider({
      audience,
      keys: [await newSigningKey('RS256', 'bootstrap-test')],
      clients: [],
      accounts: { ada: { email: 'Ada@Firm.example', groups: ['psgraph-admins'] } },
    });
  });
  after(async () => {
    await idp?.stop();
    if (hub && usingPostgres) {
      for (const { database } of Object.values(hub.subgraphs)) await sql`drop schema if exists ${sql.id(database.schema)} cascade`.execute(database.db);
    }
    await hub?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the first administrator and prints an API key, once', async () => {
    const first = await bootstrap(args, { ...env, ...oidcSettings() });
    assert.equal(first.code, 0, first.stderr);
    key = first.stdout.trim();
    assert.match(key, /^psgk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    assert.match(first.stderr, /their access tokens must carry "email": "ada@firm\.example" \(matched as email\)/);
    assert.match(first.stderr, /Created legal entity MAIN \(Main legal entity, GB, GBP\), cost center ADMIN, role ADMINISTRATOR, .*worker Ada Byron <ada@firm\.example>, API key "first admin" \(ADMIN\)/);

    const second = await bootstrap(args, { ...env, ...oidcSettings() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, '', 'no key the second time');
    assert.match(second.stderr, /^Nothing changed: Ada Byron <ada@firm\.example>/);
    assert.match(second.stderr, new RegExp(`API key "first admin" \\(${key.slice(0, 13)}…\\) exists already`));
  });

  it('the printed key signs in through the gateway as ADMIN, acting as the administrator', async () => {
    hub = await startHub({
      database: usingPostgres ? { kind: 'postgres', url: process.env.PG_URL! } : { kind: 'pglite', dataDir: dataDir! },
      schemaFor: usingPostgres ? schemaFor : undefined,
      jwtSecret: testJwtSecret,
      identitySecret: testIdentitySecret,
      port: 0,
      seed: false,
      logger: silentLogger,
      maskErrors: true,
      config: loadConfig(oidcSettings()),
    });
    const asKey = async (query: string) => {
      const response = await fetch(hub!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { data?: any; errors?: any[] };
    };
    const me = await asKey(`{ me { name email employeeNumber legalEntity { code currency } } workers { totalCount } }`);
    assert.deepEqual(me, {
      data: {
        me: { name: 'Ada Byron', email: 'ada@firm.example', employeeNumber: 'ADMIN-1', legalEntity: { code: 'MAIN', currency: 'GBP' } },
        workers: { totalCount: 1 },
      },
    });
    // What only ADMIN may do: make another key (for a BI tool) and see every key.
    const made = await asKey(`mutation { createApiKey(input: { name: "BI", roles: [FINANCE] }) { apiKey { name createdBy { email } } } }`);
    assert.deepEqual(made, { data: { createApiKey: { apiKey: { name: 'BI', createdBy: { email: 'ada@firm.example' } } } } });
    const keys = await asKey(`{ apiKeys { nodes { name roles worker { email } lastUsedAt } } }`);
    assert.deepEqual(
      keys.data.apiKeys.nodes.map(({ name, roles, worker }: any) => ({ name, roles, worker })),
      [
        { name: 'BI', roles: ['FINANCE'], worker: null },
        { name: 'first admin', roles: ['ADMIN'], worker: { email: 'ada@firm.example' } },
      ],
    );
    assert.ok(keys.data.apiKeys.nodes[1].lastUsedAt, 'the bootstrap key has been used');
    // The same person through the identity provider: their email names the worker, their group grants ADMIN.
    const signedIn = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await idp.authorizationCode('ada')}` },
      body: JSON.stringify({ query: `{ me { email } apiKeys { totalCount } }` }),
    });
    assert.deepEqual(await signedIn.json(), { data: { me: { email: 'ada@firm.example' }, apiKeys: { totalCount: 2 } } });
    // Made by hcm's own rules, with their events: waiting in hcm's outbox, then published by hcm's relay.
    await hub.settle();
    const events = await hub.subgraphs.hcm.database.db.selectFrom('outbox').select(['type', 'published_at']).execute();
    const created = events.filter((event: { type: string }) => event.type === 'hcm.worker.created');
    assert.equal(created.length, 1);
    assert.ok(created[0].published_at);
  });

  it('refuses to make another first administrator once hcm has workers', async () => {
    await hub?.stop();
    hub = undefined;
    const other = await bootstrap(['--email', 'mallory@firm.example', '--name', 'Mallory', '--api-key', 'mine'], env);
    assert.equal(other.code, 1);
    assert.equal(other.stdout, '');
    assert.match(other.stderr, /hcm has workers already/);
  });
});

/**
 * Bound to the identity provider instead: the worker claim's value (OIDC_WORKER_MATCH) is what hcm must hold, so with
 * `employeeNumber` the subject becomes the employee number, and with `email` it must be the email.
 */
describe('bootstrapAdmin bound to an identity-provider subject', () => {
  let close: () => Promise<void> = async () => undefined;
  after(() => close());

  it('binds the worker by the matched field; asked again, it changes nothing; a different binding is a CONFLICT', async () => {
    const session = await openPGlite();
    const database = await openHcmDatabase({ kind: 'pglite', session });
    close = async () => {
      await database.close();
      await session.pglite.close();
    };
    const deps = { db: database.db, clock: { now: () => new Date() } };
    const request = { email: 'ada@firm.example', name: 'Ada Byron', oidcSubject: 'E-0042', oidcMatch: 'employeeNumber' as const };
    const first = await bootstrapAdmin(deps, request);
    assert.equal(first.worker.employeeNumber, 'E-0042');
    assert.equal(first.apiKey, null);
    assert.ok(first.created.includes('worker Ada Byron <ada@firm.example>'));
    const again = await bootstrapAdmin(deps, request);
    assert.deepEqual(again.created, []);
    assert.equal(again.worker.id, first.worker.id);
    await assert.rejects(bootstrapAdmin(deps, { ...request, oidcSubject: 'E-0043' }), { code: 'CONFLICT' });
    await assert.rejects(bootstrapAdmin(deps, { ...request, oidcSubject: 'someone@else.example', oidcMatch: 'email' }), { code: 'BAD_USER_INPUT' });
    await assert.rejects(bootstrapAdmin(deps, { ...request, oidcMatch: 'id' }), { code: 'BAD_USER_INPUT' });
  });
});
