/**
 * Throughput and latency of a deep cross-subgraph query through the gateway, and of the part one subgraph owns
 * asked straight from it. The load comes from autocannon in a separate process, so the generator does not steal
 * the server's event loop.
 *
 *   npm run bench                      # embedded: in-memory PGlite, demo firm at scale 1
 *   DATABASE_URL=postgres://… npm run bench -- --scale 5
 *
 * Options: --scale N (seed size), --duration S (per run, default 10), --connections C (the concurrent run; default
 * 10; every query also runs with 1 connection, for latency without queueing).
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { signIdentity } from '../lib/auth/identity.ts';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { startHub } from '../gateway/hub.ts';
import { deepQuery } from './deep-query-text.ts';
import { autocannon } from './autocannon.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
  },
});


/** What psa alone can answer of the same request: the projects and their assignments, ids only for the rest. */
export const psaOnlyQuery = `{
  projects(first: 200) { nodes { code status contract { id } assignments(first: 20) { nodes { plannedHours worker { id } } } } }
}`;

const jwtSecret = randomBytes(16).toString('hex');
const identitySecret = randomBytes(16).toString('hex');
const hub = await startHub({
  database: process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' },
  jwtSecret,
  identitySecret,
  port: 0,
  seed: { scale: Number(values.scale) },
  logger: createLogger({}, 'warn'),
  maskErrors: true,
  // autocannon sends thousands of requests under one token: the gateway's rate limits would measure themselves.
  config: loadConfig({ RATE_LIMIT_POINTS_PER_MINUTE: '0' }),
});
const token = await signBearerToken({ workerId: null, roles: ['ADMIN'] }, jwtSecret);
const json = { 'content-type': 'application/json' };

const check = await fetch(hub.url, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify({ query: deepQuery }) });
const sample = await check.json();
if (sample.errors) throw new Error(`deep query failed: ${JSON.stringify(sample.errors[0])}`);

// A subgraph accepts a signed identity for one request and a minute (IDENTITY_VALIDITY_SECONDS): signed per run.
const psaUrl = hub.subgraphs.psa.url;
const runs = [
  { name: 'gateway: deep query (crm → psa → hcm, 5 subgraph hops)', url: hub.url, headers: () => ({ ...json, authorization: `Bearer ${token}` }), query: deepQuery },
  {
    name: 'psa subgraph directly: its part of the same data',
    url: psaUrl,
    headers: (body: string) => ({ ...json, ...signIdentity({ workerId: null, roles: ['ADMIN'] }, identitySecret, { method: 'POST', url: psaUrl, body }) }),
    query: psaOnlyQuery,
  },
];
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)'}, scale ${values.scale}, ${values.connections} connections, ${values.duration} s per run\n`);
console.log('| run | response | connections | req/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---|---|---|---|---|');
for (const run of runs) {
  const body = JSON.stringify({ query: run.query });
  const size = (await (await fetch(run.url, { method: 'POST', headers: run.headers(body), body })).text()).length;
  for (const connections of ['1', values.connections!]) {
    const result = await autocannon({ url: run.url, headers: run.headers(body), body, durationSeconds: values.duration!, connections });
    console.log(
      `| ${run.name} | ${(size / 1024).toFixed(0)} KiB | ${connections} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.errors + result.non2xx} |`,
    );
  }
}
await hub.stop();
