import { DependencyUnavailable } from '../errors.ts';

/** Socket errors of a peer that is down, restarting or out of reach (Node's, and undici's under `fetch`). */
const networkCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/**
 * PostgreSQL conditions that pass by themselves: a lost or refused connection (class 08), the server shutting down
 * or starting (57P01-57P03), no free connection (53300), a serialization failure or deadlock (40001, 40P01).
 */
const passingSqlStates = /^(08...|57P0[123]|53300|40001|40P01)$/;

/** The error and everything it wraps: `cause`, a GraphQLError's `originalError`, an AggregateError's `errors`. */
function* chainOf(error: unknown, depth = 0): Generator<unknown> {
  if (error === null || error === undefined || depth > 8) return;
  yield error;
  if (typeof error !== 'object') return;
  const wrapped = error as { cause?: unknown; originalError?: unknown; errors?: unknown };
  yield* chainOf(wrapped.cause, depth + 1);
  yield* chainOf(wrapped.originalError, depth + 1);
  if (Array.isArray(wrapped.errors)) for (const inner of wrapped.errors) yield* chainOf(inner, depth + 1);
}

/**
 * Whether a handler failed because something it depends on is away (the gateway, a subgraph behind it, its database),
 * rather than because of the event or a bug. Such a failure is retried with backoff for as long as it lasts and never
 * counts towards parking the event as a dead letter: the event is fine, and postings catch up once the dependency is back.
 */
export function isTransientFailure(error: unknown): boolean {
  for (const link of chainOf(error)) {
    if (link instanceof DependencyUnavailable) return true;
    // fetch rejects only when no answer came (refused, cut, timed out): an answer, even an error, resolves it.
    if (link instanceof TypeError && link.message === 'fetch failed') return true;
    if ((link as { name?: unknown } | null)?.name === 'TimeoutError') return true;
    const code = (link as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && (networkCodes.has(code) || passingSqlStates.test(code))) return true;
  }
  return false;
}

const maxErrorLength = 4000;

/** What a dead letter records of a failure: the message and those of its causes, without stacks, bounded. */
export function describeFailure(error: unknown): string {
  const lines: string[] = [];
  for (const link of chainOf(error)) {
    const named = link instanceof Error && link.name !== 'Error' ? `${link.name}: ` : '';
    const message = named + String((link as { message?: unknown } | null)?.message ?? link);
    if (!lines.includes(message)) lines.push(message);
  }
  const text = lines.join('\ncaused by: ') || 'unknown error';
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text;
}
