/**
 * Start-up time of `npm start` (docs/benchmarks.md "Start-up"): runs the start script's command from package.json in
 * a fresh data directory twice, cold (PGlite created, migrated, demo firm seeded) then warm (the same directory
 * again), for several rounds; reports per start the time from launch until /readyz answers 200 and until a first
 * GraphQL query is answered, and the phases the process logs ("hub started"), with the medians.
 *
 *   npm run bench:startup -- [--rounds 3] [--command "node --import tsx gateway/embedded.ts" --command …]
 *
 * The command runs through `sh -c` as npm would, without npm's own start (≈ 0.3 s more when typed as `npm start`).
 * Several --command: compared round by round (each round runs every command cold and warm, one after the other), so a
 * machine whose load changes during the run treats them alike. DATABASE_URL and REDIS_URL are removed from the
 * environment: this measures the embedded default.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sparePort } from '../test/support/processes.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, command: { type: 'string', multiple: true } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const commands = values.command?.length ? values.command : [packageJson.scripts.start];
const root = new URL('..', import.meta.url);

interface StartMeasure {
  /** Launch → /readyz answers 200. */
  readyMs: number;
  /** Launch → the first query (with the printed token) answered without errors. */
  firstAnswerMs: number;
  /**
   * CPU time the start's processes used until /readyz answered (user + system; Linux only, else NaN): the work, which a
   * busy machine stretches less than the wall time.
   */
  cpuMs: number;
  /** The process's own account ("hub started"): milliseconds per phase. */
  phasesMs: Record<string, number>;
}


/** User + system CPU milliseconds of every live process in process group `group` (/proc; NaN elsewhere). */
function cpuMsOfGroup(group: number): number {
  try {
    const ticksPerSecond = 100; // USER_HZ: 100 on every Linux that Node supports
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return Math.round((ticks / ticksPerSecond) * 1000);
  } catch {
    return Number.NaN;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(url: string, init?: RequestInit): Promise<Response | undefined> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  } catch {
    return undefined;
  }
}

async function measureStart(command: string, dataDir: string): Promise<StartMeasure> {
  const port = await sparePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PSGRAPH_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const started = performance.now();
  // Its own process group, so stopping it stops what the shell started too.
  const child = spawn('sh', ['-c', command], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = started + 120_000;
    const waitUntil = async (done: () => Promise<boolean> | boolean, what: string) => {
      while (!(await done())) {
        if (exited) throw new Error(`the start command exited before ${what}:\n${stderr || stdout}`);
        if (performance.now() > deadline) throw new Error(`no ${what} within 120 s`);
        await sleep(20);
      }
      return Math.round(performance.now() - started);
    };
    const readyMs = await waitUntil(async () => (await answers(`${base}/readyz`))?.status === 200, 'readiness');
    const cpuMs = cpuMsOfGroup(child.pid!);
    // The token is printed once the gateway listens; a query with it is what a new user does first.
    const tokenOf = () => stdout.match(/^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m)?.[1];
    await waitUntil(() => tokenOf() !== undefined, 'token on stdout');
    const response = await answers(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf()}` },
      body: JSON.stringify({ query: '{ customers(first: 1) { nodes { name } } }' }),
    });
    const body = (await response?.json()) as { data?: { customers?: { nodes: unknown[] } }; errors?: unknown[] } | undefined;
    if (!body?.data?.customers?.nodes.length || body.errors) throw new Error(`the first query failed: ${JSON.stringify(body)}`);
    const firstAnswerMs = Math.round(performance.now() - started);
    const hubLine = stdout.split('\n').find((line) => line.includes('"message":"hub started"'));
    const phasesMs = hubLine ? (JSON.parse(hubLine) as { phasesMs: Record<string, number> }).phasesMs : {};
    return { readyMs, firstAnswerMs, cpuMs, phasesMs };
  } finally {
    if (!exited) process.kill(-child.pid!, 'SIGINT');
    await exit;
  }
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);

type Kind = 'cold' | 'warm';
const measures = new Map<string, Record<Kind, StartMeasure[]>>(commands.map((command) => [command, { cold: [], warm: [] }]));
for (let round = 1; round <= rounds; round++) {
  for (const command of commands) {
    const directory = mkdtempSync(join(tmpdir(), 'psgraph-startup-'));
    try {
      const dataDir = join(directory, 'data');
      const cold = await measureStart(command, dataDir);
      const warm = await measureStart(command, dataDir);
      measures.get(command)!.cold.push(cold);
      measures.get(command)!.warm.push(warm);
      for (const [kind, measure] of [['cold', cold], ['warm', warm]] as const) {
        const times = `ready ${seconds(measure.readyMs)} s, first answer ${seconds(measure.firstAnswerMs)} s, CPU ${seconds(measure.cpuMs)} s`;
        console.log(`round ${round} ${kind}: ${times}  (${command})`);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
}

for (const [command, of] of measures) {
  const medianOf = (kind: Kind, pick: (measure: StartMeasure) => number) => seconds(median(of[kind].map(pick)));
  console.log(`\n${command}: medians of ${rounds} round(s), seconds\n`);
  console.log('| | cold | warm |\n|---|---|---|');
  console.log(`| launch → /readyz 200 | ${medianOf('cold', (m) => m.readyMs)} | ${medianOf('warm', (m) => m.readyMs)} |`);
  console.log(`| launch → first query answered | ${medianOf('cold', (m) => m.firstAnswerMs)} | ${medianOf('warm', (m) => m.firstAnswerMs)} |`);
  console.log(`| CPU until ready (user + system) | ${medianOf('cold', (m) => m.cpuMs)} | ${medianOf('warm', (m) => m.cpuMs)} |`);
  const phases = [...new Set([...of.cold, ...of.warm].flatMap((m) => Object.keys(m.phasesMs)))];
  for (const phase of phases) {
    console.log(`| phase: ${phase} | ${medianOf('cold', (m) => m.phasesMs[phase] ?? 0)} | ${medianOf('warm', (m) => m.phasesMs[phase] ?? 0)} |`);
  }
}
