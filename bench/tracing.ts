/**
 * What tracing costs a request: the same cross-subgraph query, one at a time, through the embedded hub (in-memory
 * PGlite, demo firm), with tracing off (no OTLP endpoint: nothing of the SDK loaded) and on (every span recorded, into
 * an in-memory exporter, so the network is not measured). Each mode runs in its own process, alternately, twice.
 *
 *   node --import tsx bench/tracing.ts [--requests 300]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { silentLogger } from '../lib/logger.ts';
import { startTracing } from '../lib/tracing/index.ts';
import { startHub } from '../gateway/hub.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '300' }, mode: { type: 'string' } } });
const requests = Number(values.requests);
const query = '{ customers(first: 10) { nodes { name projects { nodes { code manager { name } } } } } }';

interface Run {
  mode: string;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the process (gateway and subgraphs alike) per request: steadier than wall time on a busy machine. */
  cpuMsPerRequest: number;
  spansPerRequest: number;
}

async function measure(mode: 'off' | 'on'): Promise<Run> {
  // Off loads no part of the SDK, as in production without an endpoint.
  const exporter = mode === 'on' ? new (await import('@opentelemetry/sdk-trace-base')).InMemorySpanExporter() : undefined;
  const tracing = await startTracing({ serviceName: 'psgraph', ...(exporter ? { exporter } : { env: {} }) });
  const jwtSecret = randomBytes(16).toString('hex');
  const hub = await startHub({ database: { kind: 'pglite' }, jwtSecret, identitySecret: randomBytes(16).toString('hex'), port: 0, seed: { scale: 1 }, logger: silentLogger });
  const token = await signBearerToken({ workerId: null, roles: ['ADMIN'] }, jwtSecret);
  const ask = async () => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  for (let warmup = 0; warmup < 50; warmup++) await ask();
  exporter?.reset();
  const took: number[] = [];
  let spans = 0;
  const cpuBefore = process.cpuUsage();
  for (let index = 0; index < requests; index++) {
    const started = performance.now();
    await ask();
    took.push(performance.now() - started);
    // Kept small, so a growing span list does not weigh on the later requests.
    spans += exporter?.getFinishedSpans().length ?? 0;
    exporter?.reset();
  }
  const cpu = process.cpuUsage(cpuBefore);
  await hub.stop();
  await tracing.shutdown();
  took.sort((a, b) => a - b);
  const at = (q: number) => took[Math.min(took.length - 1, Math.floor(q * took.length))];
  return { mode, meanMs: took.reduce((sum, ms) => sum + ms, 0) / took.length, p50Ms: at(0.5), p99Ms: at(0.99), cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests, spansPerRequest: spans / requests };
}

function child(mode: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const running = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--mode', mode, '--requests', String(requests)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    running.stdout.on('data', (chunk) => (output += chunk));
    running.on('error', reject);
    running.on('close', (code) => (code === 0 ? resolve(JSON.parse(output) as Run) : reject(new Error(`${mode} run exited ${code}`))));
  });
}

if (values.mode === 'off' || values.mode === 'on') {
  process.stdout.write(JSON.stringify(await measure(values.mode)));
  process.exit(0);
} else {
  const runs: Run[] = [];
  for (const mode of ['off', 'on', 'off', 'on']) runs.push(await child(mode));
  const summary = (mode: string) => {
    const mine = runs.filter((run) => run.mode === mode);
    const mean = (pick: (run: Run) => number) => mine.reduce((sum, run) => sum + pick(run), 0) / mine.length;
    return { mode, meanMs: +mean((run) => run.meanMs).toFixed(2), p50Ms: +mean((run) => run.p50Ms).toFixed(2), p99Ms: +mean((run) => run.p99Ms).toFixed(2), cpuMsPerRequest: +mean((run) => run.cpuMsPerRequest).toFixed(2), spansPerRequest: +mean((run) => run.spansPerRequest).toFixed(1) };
  };
  const off = summary('off');
  const on = summary('on');
  console.table([off, on]);
  const percent = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)} %`;
  console.log(
    `tracing on: ${(on.cpuMsPerRequest - off.cpuMsPerRequest).toFixed(2)} ms more CPU per request (${percent(on.cpuMsPerRequest, off.cpuMsPerRequest)}), ` +
      `${(on.meanMs - off.meanMs).toFixed(2)} ms more wall time (${percent(on.meanMs, off.meanMs)}); ${requests} sequential requests per run`,
  );
}
