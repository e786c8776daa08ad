import { ConfigError } from './config.ts';
import type { Logger } from './logger.ts';

/**
 * Runs a process's start-up. A setting it cannot work with (a ConfigError: a bad value, a missing secret, a database
 * that never answered) is the operator's to fix, not a bug: one line `psgraph <role>: <VARIABLE>: <problem> — <fix>`
 * on stderr, no stack trace, exit code 1. Anything else is a bug and keeps its stack.
 */
export async function runMain(role: string, start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`psgraph ${role}: ${error.variable}: ${error.problem} — ${error.fix}\n`);
    } else {
      process.stderr.write(`psgraph ${role}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  }
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
