import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { isoDate } from '../../lib/clock.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { freePortRun } from '../support/processes.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';
import { loadCompose, root, type ComposeService, type Env } from './deploy-files.ts';

/**
 * deploy/compose.yaml carried out without Docker: each psgraph service of the file runs as a local process through
 * the image's entrypoint, with the file's command and environment, in the order its `depends_on` gives, one-shot
 * services to completion and the others until their own health check command passes. Only what a container network
 * would supply is translated: service names become 127.0.0.1 and spare ports, volumes become folders, PostgreSQL is
 * a database of this run's own on PG_URL's server and Redis a redis-server of the test's own. Then the demo firm
 * answers through the gateway with a token from `psgraph token`, and every process stops cleanly on SIGTERM.
 */
const enabled = Boolean(process.env.PG_URL) && hasRedisServer;

interface Running {
  readonly child: ChildProcess;
  readonly output: string[];
}

describe('deploy/compose.yaml, run as processes', { skip: !enabled && 'needs PG_URL and redis-server' }, () => {
  const compose = loadCompose();
  const services = Object.entries(compose.services).filter(([, service]) => service.image?.startsWith('psgraph'));
  const scratch = mkdtempSync(join(tmpdir(), 'psgraph-compose-'));
  const database = `psgraph_compose_${randomBytes(4).toString('hex')}`;
  const ports = new Map<string, number>();
  const running = new Map<string, Running>();
  let redis: TestRedisServer;
  let databaseUrl: string;
  let admin: pg.Client;

  /** What the container network and volumes would give: host names, ports and mount paths mapped to this machine. */
  function localize(name: string, service: ComposeService, value: string): string {
    for (const mount of service.volumes ?? []) {
      const [volume, target] = mount.split(':');
      if (value.startsWith(target)) value = join(scratch, volume) + value.slice(target.length);
    }
    if (!URL.canParse(value) || !/^(postgres|redis|http):$/.test(new URL(value).protocol)) return value;
    const url = new URL(value);
    if (url.hostname === 'postgres') return databaseUrl;
    if (url.hostname === 'redis') return redis.url;
    const port = ports.get(url.hostname);
    if (port === undefined) throw new Error(`${name}: ${value} names ${url.hostname}, which is not a service of the file`);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  }

  function environmentOf(name: string, service: ComposeService): Env {
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, localize(name, service, String(value))]));
    // Loopback only: these processes share the machine, not a container network.
    if (env.HOST) env.HOST = '127.0.0.1';
    if (ports.has(name)) env.PORT = String(ports.get(name));
    return env;
  }

  function start(name: string, service: ComposeService, args: string[] = service.command ?? []): Running {
    const child = spawn('sh', [new URL('deploy/entrypoint.sh', root).pathname, ...args.map((arg) => localize(name, service, arg))], {
      cwd: scratch,
      env: { PATH: process.env.PATH, ...environmentOf(name, service) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean).map((line) => `${name}: ${line}`));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    return { child, output };
  }

  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  /** The service's own health check command, run as Compose runs it, with its port moved as the service's was. */
  async function healthy(name: string, service: ComposeService, timeoutMs: number): Promise<void> {
    const [kind, command, ...args] = service.healthcheck!.test;
    assert.equal(kind, 'CMD');
    const original = Number(/127\.0\.0\.1:(\d+)/.exec(args.join(' '))![1]);
    const moved = args.map((arg) => arg.replace(`127.0.0.1:${original}`, `127.0.0.1:${ports.get(name)}`));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const check = spawn(command, moved, { stdio: 'ignore' });
      if ((await exited(check)) === 0) return;
      const { child, output } = running.get(name)!;
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output.slice(-20).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`${name} not healthy within ${timeoutMs} ms:\n${output.slice(-20).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Services in an order that starts each after what it depends on (the infrastructure is the test's). */
  function startOrder(): [string, ComposeService][] {
    const order: [string, ComposeService][] = [];
    const visit = (name: string) => {
      if (order.some(([done]) => done === name)) return;
      const service = compose.services[name];
      if (!service.image?.startsWith('psgraph')) return;
      for (const dependency of Object.keys(service.depends_on ?? {})) visit(dependency);
      order.push([name, service]);
    };
    for (const [name] of services) visit(name);
    return order;
  }

  before(async () => {
    redis = await TestRedisServer.start();
    admin = new pg.Client({ connectionString: process.env.PG_URL });
    await admin.connect();
    await admin.query(`create database ${database}`);
    const url = new URL(process.env.PG_URL!);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
    const basePort = await freePortRun(services.length);
    for (const [name, service] of services) {
      for (const mount of service.volumes ?? []) mkdirSync(join(scratch, mount.split(':')[0]), { recursive: true });
      if (service.restart !== 'no') ports.set(name, basePort + ports.size);
    }
    for (const [name, service] of startOrder()) {
      const launched = start(name, service);
      running.set(name, launched);
      if (service.restart === 'no') {
        const code = await exited(launched.child);
        assert.equal(code, 0, `${name} did not complete:\n${launched.output.join('\n')}`);
      } else {
        await healthy(name, service, 120_000);
      }
    }
  });

  after(async () => {
    for (const { child } of running.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([...running.values()].map(({ child }) => exited(child)));
    await admin?.query(`drop database if exists ${database} with (force)`);
    await admin?.end();
    await redis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the seeded demo firm through the gateway to a token from `psgraph token`', async (t) => {
    const gateway = compose.services.gateway;
    const token = start('gateway', gateway, ['token', '--role', 'ADMIN']);
    assert.equal(await exited(token.child), 0, token.output.join('\n'));
    const bearer = token.output.find((line) => /^gateway: [\w-]+\.[\w-]+\.[\w-]+$/.test(line))!.slice('gateway: '.length);
    const response = await fetch(`http://127.0.0.1:${ports.get('gateway')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query: '{ workers(first: 1) { totalCount } projects(first: 1) { nodes { code customer { name } } } }' }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const scale = Number(compose.services.seed.command![compose.services.seed.command!.indexOf('--scale') + 1]);
    assert.equal(body.data.workers.totalCount, planDemoFirm({ scale, today: isoDate(new Date()) }).workers.length);
    assert.ok(body.data.projects.nodes[0].customer.name, 'a project names its customer: psa and crm answer through the gateway');

    const ready = (await (await fetch(`http://127.0.0.1:${ports.get('gateway')}/readyz`)).json()) as { status: string; bus: string };
    assert.deepEqual([ready.status, ready.bus], ['ready', 'ok']);
    // What each process holds once ready: the basis of the Kubernetes manifests' memory requests.
    for (const [name, { child }] of running) {
      if (child.exitCode !== null) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      t.diagnostic(`${name}: ${Math.round(Number(rss) / 1024)} MiB resident`);
    }
  });

  it('runs its one-shot services again on the next `up` without changing anything', async () => {
    const gateway = compose.services.gateway;
    const envFile = localize('gateway', gateway, gateway.environment!.PSGRAPH_ENV_FILE);
    for (const name of ['secrets', 'seed']) {
      const secretsBefore = readFileSync(envFile, 'utf8');
      const again = start(name, compose.services[name]);
      assert.equal(await exited(again.child), 0, again.output.join('\n'));
      assert.equal(readFileSync(envFile, 'utf8'), secretsBefore, 'the secrets in use are kept');
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query('select count(*)::int as workers from hcm.worker').finally(() => client.end());
    const scale = Number(compose.services.seed.command![compose.services.seed.command!.indexOf('--scale') + 1]);
    assert.equal(rows[0].workers, planDemoFirm({ scale, today: isoDate(new Date()) }).workers.length, 'seeded once');
  });

  it('stops every process cleanly on SIGTERM, as `docker compose down` asks', async () => {
    const serving = [...running.entries()].filter(([, { child }]) => child.exitCode === null);
    assert.equal(serving.length, 6);
    // The gateway first, as Compose stops dependents before what they depend on.
    for (const [name, { child, output }] of serving.reverse()) {
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0, `${name} did not exit 0 on SIGTERM:\n${output.slice(-10).join('\n')}`);
    }
  });
});
