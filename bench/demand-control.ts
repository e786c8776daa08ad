/**
 * What demand control costs a legitimate query and how fast it refuses the rest (docs/benchmarks.md):
 * - the deep query of bench/deep-query.ts through the gateway's whole pipeline (parse, validation, planning, five
 *   subgraph fetches), with and without the limits, alternating in one run: the ratio of medians;
 * - the checks alone on that query: once the document is known, and the first time it is seen;
 * - over HTTP as a WORKER, a new document each time: the issue-14 alias bomb (1,000 × `utilization`), a deep fan-out
 *   (`first: 1000` three deep), and the alias bomb again on a gateway whose token limit lets it be parsed in full.
 *
 *   npm run bench:demand                       # in-memory PGlite, demo firm at scale 1
 *   npm run bench:demand -- --rounds 400
 */
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { HeaderMap } from '@apollo/server';
import { buildASTSchema, getOperationAST, parse } from 'graphql';
import type { Identity } from '../lib/auth/identity.ts';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { createLogger } from '../lib/logger.ts';
import { createAuthenticator, verifiersFor } from '../gateway/authentication/index.ts';
import { shapeViolations } from '../gateway/demand-control/index.ts';
import { createGateway } from '../gateway/server.ts';
import { supergraphSdl } from '../gateway/supergraph.ts';
import { startBenchHub } from './bench-hub.ts';
import { deepQuery } from './deep-query-text.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '200' },
    refusals: { type: 'string', default: '50' },
  },
});
const rounds = Number(values.rounds);
const refusals = Number(values.refusals);

const utilization = `utilization(from: "2026-01-01", to: "2026-12-31", groupBy: [WORKER], period: DAY) {
  periodStart utilization }`;
const aliasBomb = `{ ${Array.from({ length: 1000 }, (_, i) => `u${i}: ${utilization}`).join(' ')} }`;
const fanOut = `{ customers(first: 1000) { nodes { projects(first: 1000) { nodes {
  timeEntries(first: 1000) { nodes { hours } } } } } } }`;

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const mean = (samples: number[]) => samples.reduce((sum, value) => sum + value, 0) / samples.length;
const ms = (value: number) => value.toFixed(2);
const timed = (count: number, work: () => unknown) => {
  const started = performance.now();
  for (let i = 0; i < count; i++) work();
  return ((performance.now() - started) / count) * 1000;
};

const bench = await startBenchHub({ scale: Number(values.scale) });
const { hub, jwtSecret } = bench;
const { apollo, demandControl } = hub.gateway;
const admin: Identity = { workerId: null, roles: ['ADMIN'] };

/**
 * One deep query through Apollo Server and the gateway: as a client's (the token screen, then the plugin, which
 * checks requests that came over HTTP) or as one of the gateway's own (no limits). Everything else is the same.
 */
async function deepOnce(limited: boolean): Promise<number> {
  const contextValue = { identity: admin, correlationId: randomUUID() };
  const http = { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: {} };
  const started = performance.now();
  if (limited && demandControl.screen(deepQuery, admin)) throw new Error('the deep query was refused');
  const response = await apollo.executeOperation({ query: deepQuery, ...(limited ? { http } : {}) }, { contextValue });
  const took = performance.now() - started;
  if (response.body.kind !== 'single' || response.body.singleResult.errors) {
    throw new Error(`deep query failed: ${JSON.stringify(response.body)}`);
  }
  return took;
}

for (let i = 0; i < 20; i++) await deepOnce(i % 2 === 0);
const withLimits: number[] = [];
const without: number[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternating, starting with either half the time, so drift and warm-up fall on both alike.
  const first = i % 2 === 0;
  (first ? withLimits : without).push(await deepOnce(first));
  (first ? without : withLimits).push(await deepOnce(!first));
}

// The checks alone. The supergraph's types stand in for the API schema the gateway serves: the estimate reads no more.
const schema = buildASTSchema(parse(supergraphSdl()), { assumeValidSDL: true });
const document = parse(deepQuery);
const operation = getOperationAST(document)!;
timed(1000, () => demandControl.check(schema, document, operation, {}, admin));
const screenUs = timed(20_000, () => demandControl.screen(deepQuery, admin));
const knownUs = screenUs + timed(20_000, () => demandControl.check(schema, document, operation, {}, admin));
const parseUs = timed(2000, () => parse(deepQuery));
const shapeUs = timed(2000, () => shapeViolations(schema, parse(deepQuery), demandControl.limits)) - parseUs;

/**
 * POSTs `query` as a WORKER `count` times, each a new document (a comment numbers it, so neither Apollo Server's
 * document cache nor the limits' own spares any work, as for an attacker who varies it): the refusal and the times.
 */
async function refuse(url: string, query: string, count: number) {
  const token = await signBearerToken({ workerId: null, roles: ['WORKER'] }, jwtSecret);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const times: number[] = [];
  let answer: { status: number; errors?: Array<{ extensions: Record<string, unknown> }> } = { status: 0 };
  bench.resetStatements();
  for (let i = 0; i < count + 3; i++) {
    const started = performance.now();
    const body = JSON.stringify({ query: `${query}\n# ${randomUUID()}` });
    const response = await fetch(url, { method: 'POST', headers, body });
    answer = { status: response.status, ...(await response.json()) };
    if (i >= 3) times.push(performance.now() - started);
  }
  const { code, limit, found, maximum } = answer.errors?.[0]?.extensions ?? {};
  const refusal = `${answer.status} ${code} ${limit}${found === undefined ? '' : ` ${found}`} > ${maximum}`;
  return { refusal, times, statements: bench.statements() };
}

const bomb = await refuse(hub.url, aliasBomb, refusals);
const fan = await refuse(hub.url, fanOut, refusals);
// The same bomb on a second gateway over the same subgraphs, whose token limit lets it through the parser.
const wide = createGateway({
  supergraphSdl: supergraphSdl(),
  subgraphUrls: Object.fromEntries(Object.entries(hub.subgraphs).map(([name, { url }]) => [name, url])),
  authenticator: createAuthenticator(
    verifiersFor({ jwtSecret }, { hcmUrl: hub.subgraphs.hcm.url, identitySecret: 'unused', logger: createLogger({}, 'error') }),
  ),
  identitySecret: 'unused: every request is refused before a subgraph is called',
  logger: createLogger({}, 'error'),
  maskErrors: true,
  queryLimits: { maxTokens: 100_000 },
});
const parsedBomb = await refuse(await wide.listen(0), aliasBomb, refusals);
await wide.stop();

const machine = `${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
console.log(`machine: ${machine}`);
console.log(`database: ${bench.databaseLabel}, scale ${values.scale}`);
console.log(`${rounds} deep queries each way, ${refusals} of each refusal`);
console.log();
console.log('| deep query through the gateway (in-process, no HTTP) | p50 ms | p90 ms | mean ms |');
console.log('|---|---|---|---|');
for (const [name, samples] of [['without limits', without], ['with limits', withLimits]] as const) {
  console.log(`| ${name} | ${ms(percentile(samples, 50))} | ${ms(percentile(samples, 90))} | ${ms(mean(samples))} |`);
}
const ratio = percentile(withLimits, 50) / percentile(without, 50);
console.log(`\nratio of medians (with ÷ without): ${ratio.toFixed(3)}`);
console.log(`the checks alone: ${knownUs.toFixed(1)} µs per request once the document is known (token screen, cost);`);
console.log(`  ${(knownUs + shapeUs).toFixed(1)} µs the first time (+ depth, aliases, root fields, directives), ` +
  `against ${parseUs.toFixed(1)} µs for Apollo Server's own parse of it\n`);
console.log('| refused over HTTP, as a WORKER | answer | p50 ms | p99 ms | SQL statements (crm, hcm, psa, time, erp) |');
console.log('|---|---|---|---|---|');
for (const [name, run] of [
  ['alias bomb: 1,000 × utilization (≈ 25,000 tokens)', bomb],
  ['deep fan-out: first: 1000, three deep', fan],
  ['alias bomb, QUERY_MAX_TOKENS=100000 (parsed and validated in full)', parsedBomb],
] as const) {
  const [p50, p99] = [ms(percentile(run.times, 50)), ms(percentile(run.times, 99))];
  console.log(`| ${name} | ${run.refusal} | ${p50} | ${p99} | ${run.statements} |`);
}
await hub.stop();
