import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePortRun } from './processes.ts';

/** Whether this machine has `redis-server` (fault tests start their own and skip without it). */
export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/**
 * A Redis of the test's own, on a free loopback port below the ephemeral range (a restart finds it still free), keeping nothing on disk: a fault test may stop it, start it
 * empty or flush it without touching the machine's shared Redis. Stopped by pid, never by port or name.
 */
export class TestRedisServer {
  readonly port: number;
  #process: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<TestRedisServer> {
    const server = new TestRedisServer(await freePortRun(1));
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (empty) if it is not running, and waits until it answers. */
  async restart(): Promise<void> {
    if (this.#process) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.#process = child;
    child.once('exit', () => {
      if (this.#process === child) this.#process = null;
    });
    for (let attempt = 0; attempt < 100; attempt++) {
      if (this.cli('ping') === 'PONG') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the test's redis-server on port ${this.port} did not start`);
  }

  /** Stops it (its data is gone: it keeps nothing on disk). */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Runs one redis-cli command against it; its output, trimmed. */
  cli(...args: string[]): string {
    const result = spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' });
    return (result.stdout ?? '').trim();
  }
}
