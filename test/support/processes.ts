import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** How a spawned process ended, with everything it wrote. */
export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry point (through tsx) with only `env` (and PATH) set, until it exits or `until` sees its
 * output (then it is stopped with SIGTERM); killed after a minute, whatever it is doing.
 */
export function runEntry(
  entry: string,
  options: { args?: readonly string[]; env?: Record<string, string>; until?: (stdout: string) => boolean } = {},
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...(options.args ?? [])], {
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (options.until?.(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on now: one of `freePortRun`'s, checked the same way. */
export const sparePort = (): Promise<number> => freePortRun(1);

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * `count` consecutive ports, each free now, below Linux's ephemeral range (32768+) so that a process restarted on its
 * port (the kill -9 tests) does not find it taken by an outgoing connection's local end. Checked rather than trusted:
 * machines of this kind run other servers in that range (RabbitMQ listens on 25672).
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (12000 - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await canListen(port);
    if (free) return base;
  }
  throw new Error(`no run of ${count} free ports found between 20000 and 32000`);
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Exactly one line on stderr, `psgraph <command>: <NAME>: <problem> — <fix>`, exit code 1, and nothing that looks like
 * a stack trace. JSON log records (a wait's "waiting for PostgreSQL" lines) are not counted as lines.
 */
export function assertOneLineError(exit: Exit, command: string, name: string, problem: RegExp) {
  assert.equal(exit.code, 1, `exit code; stderr: ${exit.stderr}`);
  const lines = exit.stderr.trimEnd().split('\n').filter((line) => !line.startsWith('{"time"'));
  assert.equal(lines.length, 1, `one line on stderr, got:\n${exit.stderr}`);
  assert.match(lines[0], new RegExp(`^psgraph ${escaped(command)}: ${escaped(name)}: .+ — .+$`));
  assert.match(lines[0], problem);
  assert.doesNotMatch(exit.stderr + exit.stdout, /\n\s+at |Error:/);
}
