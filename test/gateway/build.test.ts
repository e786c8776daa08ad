import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { subgraphNames } from '../../lib/config.ts';
import { sdlHash } from '../../lib/graphql/prebuilt-subgraph-schema.ts';

/**
 * `npm start` runs what `npm run build` compiled (scripts/build.mjs): the compiled tree must start as the source does,
 * with the files it reads next to itself (schema/*.graphql, the gateway's .graphql files). Built into a folder of this
 * run's own beside dist/, so a dist/ in use is left alone.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, `dist.test-${randomBytes(4).toString('hex')}`);
const dataDir = mkdtempSync(join(tmpdir(), 'psgraph-build-'));

before(() => {
  const built = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', "const { build } = await import('./scripts/build.mjs'); build(process.argv[1]);", out],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(built.status, 0, built.stderr);
});
after(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs a compiled entry with only `env` set, until it exits or its stdout satisfies `until`; then stops it. */
function runCompiled(entry: string, env: Record<string, string>, until?: (stdout: string) => Promise<boolean> | boolean) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; answered: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(out, entry)], { cwd: root, env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env } });
    let stdout = '';
    let stderr = '';
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', async (chunk) => {
      stdout += chunk;
      if (!answered && until && (await until(stdout))) {
        answered = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, answered });
    });
  });
}

describe('the compiled tree (npm run build)', () => {
  it('starts the gateway process as the source does, down to its one-line errors', async () => {
    const exit = await runCompiled('gateway/main.js', { IDENTITY_SIGNING_SECRET: 's', PORT: 'forty' });
    assert.equal(exit.code, 1);
    assert.match(exit.stderr, /^psgraph gateway: PORT: must be a port number, got "forty" — .+\n$/);
  });

  it('runs npm start: creates, migrates and seeds the database and answers a query with the token it printed', async () => {
    let answer: unknown;
    const exit = await runCompiled(
      'gateway/embedded.js',
      { PSGRAPH_DATA_DIR: dataDir, PSGRAPH_SEED_SCALE: '0.05', PORT: '0', LOG_LEVEL: 'warn' },
      async (stdout) => {
        const url = stdout.match(/psgraph is running: (\S+) \(started in [\d.]+ s\)/)?.[1];
        const token = stdout.match(/^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m)?.[1];
        if (!url || !token) return false;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ customers(first: 1) { nodes { name } } }' }),
        });
        answer = await response.json();
        return true;
      },
    );
    assert.ok(exit.answered, `it never printed its URL and token:\n${exit.stdout}\n${exit.stderr}`);
    assert.equal(exit.stderr, '');
    assert.equal((answer as { errors?: unknown }).errors, undefined, JSON.stringify(answer));
    assert.equal((answer as { data: { customers: { nodes: unknown[] } } }).data.customers.nodes.length, 1);
  });

  it("holds each subgraph's prebuilt schema and the supergraph's cost declarations, named by their SDL's hash, so the compiled start uses them", () => {
    for (const name of subgraphNames) {
      const hash = sdlHash(readFileSync(join(root, 'schema', `${name}.graphql`), 'utf8'));
      assert.ok(existsSync(join(out, 'schema', 'prebuilt', `${hash}.json`)), `${name}'s prebuilt schema`);
    }
    const supergraphHash = sdlHash(readFileSync(join(root, 'schema', 'supergraph.graphql'), 'utf8'));
    assert.ok(existsSync(join(out, 'schema', 'prebuilt', `${supergraphHash}.cost.json`)), "the supergraph's prebuilt cost declarations");
  });

  it('bundles each server entry point with psgraph\'s own modules, apart from the three kept separate', () => {
    const entries = ['gateway/embedded.js', 'gateway/main.js', ...subgraphNames.map((name) => `subgraphs/${name}/main.js`)];
    for (const entry of entries) {
      const code = readFileSync(join(out, entry), 'utf8');
      const ownImports = [...code.matchAll(/(?:^import|\bimport\()\s*(?:[^'"]*?from\s*)?["'](\.[^"']+)["']/gm)].map((match) => match[1]);
      const separate = ownImports.map((path) => join(dirname(entry), path));
      assert.ok(separate.every((path) => ['gateway/defer-apollo-telemetry.js', 'lib/tracing/sdk.js', 'lib/tracing/spans.js'].includes(path)), `${entry} imports ${separate.join(', ')}`);
      assert.doesNotMatch(code, /^import .*["']kysely["'];$/m, `${entry} imports kysely instead of holding it`);
    }
    // The embedded start loads the stand-ins for @apollo/gateway's telemetry before any package.
    const firstImport = readFileSync(join(out, 'gateway/embedded.js'), 'utf8').match(/^import .+$/m)?.[0];
    assert.equal(firstImport, 'import "./defer-apollo-telemetry.js";');
  });

  it('the launcher refuses what is not an entry point, in one line', () => {
    const exit = spawnSync(process.execPath, ['scripts/run.mjs', 'gateway/no-such-entry.ts'], { cwd: root, encoding: 'utf8' });
    assert.equal(exit.status, 2);
    assert.match(exit.stderr, /^psgraph: usage: node scripts\/run\.mjs <entry point \.ts/);
  });
});
