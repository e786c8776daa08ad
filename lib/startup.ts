import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config.ts';
import type { Logger } from './logger.ts';

/**
 * Runs a process's start-up. A setting it cannot work with (a ConfigError: a bad value, a missing secret, a database
 * that never answered, a port already taken) is the operator's to fix, not a bug: one line
 * `psgraph <role>: <VARIABLE>: <problem> — <fix>` on stderr, no stack trace, exit code 1. Anything else is a bug and
 * keeps its stack.
 */
export async function runMain(role: string, start: () => Promise<unknown>): Promise<void> {
  const fail = (error: unknown) => {
    const problem = error instanceof ConfigError ? error : listenProblem(error);
    if (problem) {
      process.stderr.write(`psgraph ${role}: ${problem.variable}: ${problem.problem} — ${problem.fix}\n`);
    } else {
      process.stderr.write(`psgraph ${role}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  };
  // A server that cannot listen emits 'error' with no listener of its own: it arrives here, not as a rejection.
  process.on('uncaughtException', fail);
  try {
    await start();
  } catch (error) {
    fail(error);
  } finally {
    process.off('uncaughtException', fail);
  }
}

/** Why a server could not listen, as the setting to change (PORT, HOST); undefined for any other error. */
function listenProblem(error: unknown): ConfigError | undefined {
  const { code, syscall, address, port, hostname } = (error ?? {}) as {
    code?: string;
    syscall?: string;
    address?: string;
    port?: number;
    hostname?: string;
  };
  const anAddress = 'set HOST to 0.0.0.0 (every interface), 127.0.0.1 or an address of this machine';
  if (syscall === 'listen' && code === 'EADDRINUSE') {
    return new ConfigError('PORT', `${address}:${port} is in use`, 'stop what listens there, or set PORT to a free port');
  }
  if (syscall === 'listen' && code === 'EACCES') {
    return new ConfigError('PORT', `${port} needs privileges this user lacks`, 'set PORT above 1023');
  }
  if (syscall === 'listen' && code === 'EADDRNOTAVAIL') {
    return new ConfigError('HOST', `"${address}" is not an address of this machine`, anAddress);
  }
  if (syscall === 'getaddrinfo' && hostname !== undefined && hostname === process.env.HOST) {
    return new ConfigError('HOST', `"${hostname}" does not resolve (${code})`, anAddress);
  }
  return undefined;
}

/** What a start-up wait is for: named in its log lines and in the error when it gives up. */
export interface Dependency {
  /** `PostgreSQL`, `Redis`. */
  readonly name: string;
  /** The setting that points at it, named when it gives up. */
  readonly variable: string;
  /** host:port, never the URL (it may hold a password). */
  readonly address: string;
}

/** A failure worth waiting out: the service is not up (yet), not a wrong password or a missing database. */
export class NotReachable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tries `connect` until it succeeds or `retrySeconds` have passed, with backoff (0.5 s, 1 s, 2 s, … at most 5 s) and a
 * log line per failed attempt: a database started alongside (compose, Kubernetes) may answer a few seconds after us.
 * Gives up with a ConfigError naming the variable; a failure that is not NotReachable gives up at once.
 */
export async function waitFor<T>(
  dependency: Dependency,
  connect: () => Promise<T>,
  options: { retrySeconds: number; logger: Logger },
): Promise<T> {
  const deadline = Date.now() + options.retrySeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      const where = `${dependency.name} at ${dependency.address}`;
      if (!(error instanceof NotReachable)) {
        throw new ConfigError(dependency.variable, `${where} refused us: ${error instanceof Error ? error.message : String(error)}`, `correct ${dependency.variable}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ConfigError(
          dependency.variable,
          `${where} did not answer within ${options.retrySeconds} s (${attempt} attempts, ${error.reason})`,
          `start ${dependency.name} or correct ${dependency.variable}; STARTUP_RETRY_SECONDS sets how long to wait`,
        );
      }
      options.logger.warn(`waiting for ${where} (attempt ${attempt}, ${error.reason})`);
      await sleep(Math.min(left, 5_000, 500 * 2 ** (attempt - 1)));
    }
  }
}

/** host:port of a URL, for log lines that must not show its password. */
export function addressOf(url: string, defaultPort: number): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || defaultPort}`;
}

/** Network errors that mean "not up (yet)": worth another attempt. */
export function isUnreachable(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', '57P03'].includes(code)
  );
}

/**
 * Where a start-up's time goes, phase by phase, for the "started" log line and `npm run bench:startup`. A phase runs
 * from the end of the one before it; the first from the process's own start (`performance.now()`'s origin), so it
 * holds Node's boot and loading the code.
 */
export class StartupPhases {
  /** Milliseconds per phase, in the order they ended; a phase ended twice adds up. */
  readonly ms: Record<string, number> = {};
  private last = 0;

  end(phase: string): void {
    const now = performance.now();
    this.ms[phase] = (this.ms[phase] ?? 0) + Math.round(now - this.last);
    this.last = now;
  }

  /** Milliseconds since the process started. */
  total(): number {
    return Math.round(performance.now());
  }
}

/**
 * A command's arguments, read by node:util's parseArgs; what it cannot read (an unknown option, a missing value, a
 * stray argument) becomes a ConfigError naming the option, with `usage` as the fix, so runMain prints one line.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    // "Unknown option '--x'", "Option '--role <value>' argument missing", "Unexpected argument 'pos'. …"
    const option = message.match(/'(-[^' ]+)/)?.[1] ?? message.match(/'([^']+)'/)?.[1] ?? 'arguments';
    const problem =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? 'is not an option'
        : code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
          ? 'is not expected here'
          : message.replace(/^Option '[^']+' /, '');
    throw new ConfigError(option, problem, usage);
  }
}
