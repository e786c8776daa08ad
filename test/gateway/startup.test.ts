import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { assertOneLineError, runEntry, sparePort } from '../support/processes.ts';

/**
 * Start-up as an operator meets it: the real entry points, spawned with one bad setting each, stop with one line
 * `psgraph <role>: <VARIABLE>: <problem> — <fix>`, exit code 1 and no stack trace; a database that comes up while
 * a process waits for it is used. Only spare ports: the machine's own PostgreSQL and Redis are never touched, except
 * through PG_URL, in a schema of this run's own.
 */

const gatewayEntry = 'gateway/main.ts';
const crmEntry = 'subgraphs/crm/main.ts';
const subgraphUrls = {
  CRM_URL: 'http://127.0.0.1:1/graphql',
  HCM_URL: 'http://127.0.0.1:1/graphql',
  PSA_URL: 'http://127.0.0.1:1/graphql',
  TIME_URL: 'http://127.0.0.1:1/graphql',
  ERP_URL: 'http://127.0.0.1:1/graphql',
};
const gatewayEnv = { IDENTITY_SIGNING_SECRET: 'startup-test-identity', JWT_SECRET: 'startup-test-jwt', ...subgraphUrls };

/** Runs an entry point with only `env` (and PATH, HOST) set, until it exits or `until` sees its output; then stops it. */
const run = (entry: string, env: Record<string, string>, until?: (stdout: string) => boolean) =>
  runEntry(entry, { env: { HOST: '127.0.0.1', ...env }, until });

describe('start-up: a bad setting stops the process with one line', () => {
  it('names an invalid number', async () => {
    const exit = await run(gatewayEntry, { ...gatewayEnv, PORT: 'forty' });
    assertOneLineError(exit, 'gateway', 'PORT', /must be a port number, got "forty"/);
    const subgraph = await run(crmEntry, { DATABASE_URL: 'postgres://u@127.0.0.1:1/x', IDENTITY_SIGNING_SECRET: 's', SUBGRAPH_TIMEOUT_MS: '-1' });
    assertOneLineError(subgraph, 'crm', 'SUBGRAPH_TIMEOUT_MS', /must be a positive integer, got "-1"/);
  });

  it('names a setting parsed by its own module (webhooks)', async () => {
    const exit = await run(gatewayEntry, { ...gatewayEnv, WEBHOOK_DISABLE_AFTER_GIVEN_UP: 'often' });
    assertOneLineError(exit, 'gateway', 'WEBHOOK_DISABLE_AFTER_GIVEN_UP', /positive integer/);
  });

  it('names a URL that is not one', async () => {
    const exit = await run(crmEntry, { DATABASE_URL: 'mysql://db/crm', IDENTITY_SIGNING_SECRET: 's' });
    assertOneLineError(exit, 'crm', 'DATABASE_URL', /"mysql:\/\/db\/crm" is not a postgres URL/);
  });

  it('names a missing secret', async () => {
    const { IDENTITY_SIGNING_SECRET: _identity, ...withoutIdentity } = gatewayEnv;
    assertOneLineError(await run(gatewayEntry, withoutIdentity), 'gateway', 'IDENTITY_SIGNING_SECRET', /is not set/);
    const { JWT_SECRET: _jwt, ...withoutJwt } = gatewayEnv;
    const production = await run(gatewayEntry, { ...withoutJwt, NODE_ENV: 'production' });
    assertOneLineError(production, 'gateway', 'JWT_SECRET', /is not set — .*OIDC_ISSUER/);
    const subgraph = await run(crmEntry, { DATABASE_URL: 'postgres://u@127.0.0.1:1/x', NODE_ENV: 'production' });
    assertOneLineError(subgraph, 'crm', 'IDENTITY_SIGNING_SECRET', /is not set/);
    // `npm start` makes up secrets for trying it out, never in production.
    const dataDir = mkdtempSync(join(tmpdir(), 'psgraph-startup-'));
    try {
      const embedded = await run('gateway/embedded.ts', { NODE_ENV: 'production', PSGRAPH_DATA_DIR: dataDir, IDENTITY_SIGNING_SECRET: 's' });
      assertOneLineError(embedded, 'start', 'JWT_SECRET', /is not set/);
      assert.deepEqual(readdirSync(dataDir), [], 'nothing generated');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('waits for a PostgreSQL that refuses connections, a line per attempt, then gives up', async () => {
    const port = await sparePort();
    const started = Date.now();
    const exit = await run(crmEntry, {
      DATABASE_URL: `postgres://psgraph:secret@127.0.0.1:${port}/crm`,
      IDENTITY_SIGNING_SECRET: 's',
      STARTUP_RETRY_SECONDS: '2',
    });
    assertOneLineError(exit, 'crm', 'DATABASE_URL', new RegExp(`PostgreSQL at 127.0.0.1:${port} did not answer within 2 s \\(\\d+ attempts, ECONNREFUSED\\)`));
    assert.match(exit.stdout, new RegExp(`waiting for PostgreSQL at 127.0.0.1:${port} \\(attempt 2, ECONNREFUSED\\)`));
    assert.doesNotMatch(exit.stdout + exit.stderr, /secret/, 'the password stays out of the logs');
    assert.ok(Date.now() - started < 20_000, 'gives up when STARTUP_RETRY_SECONDS have passed');
  });

  it('waits for a Redis that refuses connections, then gives up', async () => {
    const port = await sparePort();
    const exit = await run(gatewayEntry, { ...gatewayEnv, REDIS_URL: `redis://127.0.0.1:${port}`, STARTUP_RETRY_SECONDS: '1' });
    assertOneLineError(exit, 'gateway', 'REDIS_URL', new RegExp(`Redis at 127.0.0.1:${port} did not answer within 1 s`));
    assert.match(exit.stdout, new RegExp(`waiting for Redis at 127.0.0.1:${port} \\(attempt 1, ECONNREFUSED\\)`));
  });
});

describe('start-up: every process names the setting it cannot work with', () => {
  // lib/config.ts's checks, one per setting, are test/lib/config-errors.test.ts; here each entry point turns one into a
  // line, and the settings only a running process meets (a port taken, a host not of this machine, a data directory).
  it('the gateway', async () => {
    const [proxy, manifest] = await Promise.all([
      run(gatewayEntry, { ...gatewayEnv, TRUSTED_PROXY: 'yes' }),
      run(gatewayEntry, { ...gatewayEnv, TRUSTED_DOCUMENTS: '/nonexistent/manifest.json' }),
    ]);
    assertOneLineError(proxy, 'gateway', 'TRUSTED_PROXY', /must be true or false, got "yes"/);
    assertOneLineError(manifest, 'gateway', 'TRUSTED_DOCUMENTS', /\(\/nonexistent\/manifest\.json\): cannot be read/);
  });

  it('a subgraph', async () => {
    const exit = await run(crmEntry, { DATABASE_URL: 'postgres://u@127.0.0.1:1/x', IDENTITY_SIGNING_SECRET: 's', CORS_ORIGINS: 'portal' });
    assertOneLineError(exit, 'crm', 'CORS_ORIGINS', /"portal" is not an origin/);
  });

  it('npm start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'psgraph-startup-'));
    try {
      writeFileSync(join(dataDir, 'a-file'), '');
      const [level, scale, directory] = await Promise.all([
        run('gateway/embedded.ts', { PSGRAPH_DATA_DIR: dataDir, LOG_LEVEL: 'loud' }),
        run('gateway/embedded.ts', { PSGRAPH_DATA_DIR: dataDir, PSGRAPH_SEED_SCALE: 'none' }),
        run('gateway/embedded.ts', { PSGRAPH_DATA_DIR: join(dataDir, 'a-file', 'data') }),
      ]);
      assertOneLineError(level, 'start', 'LOG_LEVEL', /must be info\|warn\|error\|silent, got "loud"/);
      assertOneLineError(scale, 'start', 'PSGRAPH_SEED_SCALE', /must be a positive number, got "none"/);
      assertOneLineError(directory, 'start', 'PSGRAPH_DATA_DIR', /cannot write .*a-file\/data\/secrets\.json \(ENOTDIR\)/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a port already taken and a host not of this machine, where each process listens', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const dataDir = mkdtempSync(join(tmpdir(), 'psgraph-startup-'));
    try {
      const [gateway, host, embedded] = await Promise.all([
        run(gatewayEntry, { ...gatewayEnv, PORT: String(port) }),
        run(gatewayEntry, { ...gatewayEnv, PORT: '0', HOST: 'no-such-host.invalid' }),
        // The embedded default opens, migrates and seeds its database before the gateway listens: the smallest firm.
        run('gateway/embedded.ts', { PSGRAPH_DATA_DIR: dataDir, PSGRAPH_SEED_SCALE: '0.05', PORT: String(port), LOG_LEVEL: 'warn' }),
      ]);
      assertOneLineError(gateway, 'gateway', 'PORT', new RegExp(`127.0.0.1:${port} is in use — stop what listens there, or set PORT`));
      assertOneLineError(host, 'gateway', 'HOST', /"no-such-host.invalid" does not resolve/);
      assertOneLineError(embedded, 'start', 'PORT', new RegExp(`127.0.0.1:${port} is in use`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a subgraph whose port is taken', { skip: !process.env.PG_URL && 'needs PG_URL (a subgraph listens after migrating)' }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const schema = `startup_${randomBytes(4).toString('hex')}`;
    try {
      const env = { DATABASE_URL: process.env.PG_URL!, DATABASE_SCHEMA: schema, IDENTITY_SIGNING_SECRET: 's', PORT: String(port) };
      const exit = await run(crmEntry, env);
      assertOneLineError(exit, 'crm', 'PORT', new RegExp(`127.0.0.1:${port} is in use`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      const admin = new pg.Client({ connectionString: process.env.PG_URL });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`).finally(() => admin.end());
    }
  });
});

describe('start-up: a database that comes up while a process waits is used', { skip: !process.env.PG_URL && 'needs PG_URL' }, () => {
  it('connects once PostgreSQL answers, migrates and listens', async () => {
    // PostgreSQL "comes up" on a spare port once the process has said it waits: a proxy to PG_URL's server.
    const target = new URL(process.env.PG_URL!);
    const port = await sparePort();
    const sockets = new Set<Socket>();
    let proxy: Server | undefined;
    const appear = () => {
      proxy ??= createServer((client) => {
        const server = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, server]) {
          sockets.add(socket);
          socket.on('error', () => socket.destroy());
          socket.on('close', () => sockets.delete(socket));
        }
        client.pipe(server).pipe(client);
      }).listen(port, '127.0.0.1');
    };
    const schema = `startup_${randomBytes(4).toString('hex')}`;
    const url = new URL(process.env.PG_URL!);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    try {
      const exit = await run(
        crmEntry,
        { DATABASE_URL: url.toString(), DATABASE_SCHEMA: schema, IDENTITY_SIGNING_SECRET: 's', PORT: '0', STARTUP_RETRY_SECONDS: '20' },
        (stdout) => {
          if (stdout.includes('waiting for PostgreSQL')) appear();
          return stdout.includes('subgraph listening');
        },
      );
      assert.match(exit.stdout, /subgraph listening/, exit.stderr);
      assert.match(exit.stdout, new RegExp(`waiting for PostgreSQL at 127.0.0.1:${port} \\(attempt 1, ECONNREFUSED\\)`));
      assert.equal(exit.stderr, '');
      const admin = new pg.Client({ connectionString: process.env.PG_URL });
      await admin.connect();
      try {
        const { rows } = await admin.query('select count(*)::int as n from information_schema.tables where table_schema = $1', [schema]);
        assert.ok(rows[0].n > 0, 'the migrations ran on the database that appeared');
      } finally {
        await admin.query(`drop schema if exists "${schema}" cascade`);
        await admin.end();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    }
  });
});
