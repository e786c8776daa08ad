import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * Every code a client may branch on. Codes are part of the public API: add new ones, never rename.
 * The HTTP status is what the gateway reports when the error is the whole response's reason.
 */
export const errorCodes = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  PROJECT_NOT_READY: 409,
  /** An approval cannot be cancelled once the entry is on an issued invoice: correct it instead (credit note). */
  ALREADY_INVOICED: 409,
  // Time capture rules (subgraphs/time/domain/entry-rules.ts): the request is understood but breaks a business rule.
  PROJECT_NOT_ACTIVE: 422,
  WORKER_NOT_ACTIVE: 422,
  /** Staffing would book a worker past the overbooking limit of their capacity (psa `staffRequest`). */
  OVERBOOKED: 422,
  NOT_ASSIGNED: 422,
  TASK_INVALID: 422,
  ROLE_NOT_ALLOWED: 422,
  INVALID_HOURS: 422,
  DAILY_LIMIT_EXCEEDED: 422,
  OVERLAP: 422,
  FUTURE_DATE: 422,
  PERIOD_LOCKED: 422,
  RATE_NOT_FOUND: 422,
  // Expense capture (subgraphs/time/domain/expense-rules.ts): a billable expense on a project without a contract.
  NOT_BILLABLE: 422,
  // Invoicing (subgraphs/erp/domain/invoicing.ts): money in another currency than the invoice's is not converted; a
  // payment may not exceed the open balance; an invoice is not issued without a tax rate for its date.
  CURRENCY_MISMATCH: 422,
  OVERPAYMENT: 422,
  TAX_RATE_NOT_FOUND: 422,
  // Credit notes (subgraphs/erp/domain/credit-notes.ts): an invoice line is never credited beyond its amount; only a
  // line credited in full may be billed again (a partial credit would bill its hours twice), and never the line of a
  // source whose approval was taken back.
  OVER_CREDIT: 422,
  PARTIALLY_CREDITED: 422,
  NOT_CREDITED: 422,
  SOURCE_REVERSED: 422,
  /**
   * An operation past one of the gateway's query limits (depth, aliases, root fields, tokens, directives, cost),
   * refused before any subgraph is called; `extensions` name the limit, its maximum and what was found.
   */
  QUERY_TOO_COMPLEX: 400,
  /** A request body larger than the gateway reads (GRAPHQL_MAX_BODY_BYTES); `extensions.limit` says how large. */
  PAYLOAD_TOO_LARGE: 413,
  /** A live connection holds no more subscriptions than the gateway allows. */
  SUBSCRIPTION_LIMIT: 429,
  /** An identity holds no more live connections (graphql-ws sockets, SSE streams) on a gateway than it allows. */
  CONNECTION_LIMIT: 429,
  /** A subscription's `after` cursor is older than the gateway keeps events for: read the current state, subscribe anew. */
  CURSOR_EXPIRED: 410,
  /** A subscriber left more results unread than the gateway queues: its subscription ended (resume from its cursor). */
  SLOW_CONSUMER: 429,
  /** A caller spent its rate limit (gateway/rate-limit.ts): `Retry-After` and `extensions.retryAfterSeconds` say when to retry. */
  RATE_LIMITED: 429,
  /**
   * With trusted documents (gateway/trusted-documents.ts): a hash the manifest does not list, answered 200 as Apollo
   * Server does, so that Apollo Client sends the whole text; and a document not in it, from a caller whose roles may not
   * send others.
   */
  PERSISTED_QUERY_NOT_FOUND: 200,
  PERSISTED_QUERY_REQUIRED: 403,
  INTERNAL_SERVER_ERROR: 500,
  /** A system this one depends on (the gateway, a subgraph behind it) cannot be reached now: try again later. */
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** A failure the caller can act on. Services throw it; the one mapping below turns it into a GraphQL error. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/**
 * A dependency that cannot be reached (refused, timed out, a 502/503/504): a passing condition, not a fault of the
 * request or the event. Event consumers retry it with backoff however often it happens and never park it as a dead
 * letter (lib/events/failures.ts).
 */
export class DependencyUnavailable extends DomainError {
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    // Always worth another try later: clients read `retryable` rather than knowing which codes pass by themselves.
    super('SERVICE_UNAVAILABLE', message, { ...options.details, retryable: true });
    this.name = 'DependencyUnavailable';
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

export const notFound = (typename: string, id: string) =>
  new DomainError('NOT_FOUND', `${typename} ${id} does not exist`, { typename, id });

export const badInput = (field: string, message: string) =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { field });

export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);

/**
 * Apollo `formatError`: domain errors keep their code and details; anything unexpected (a driver error, a bug) is
 * logged by the caller and masked, so no SQL or stack reaches a client outside development.
 */
export function formatGraphQLError(
  formatted: GraphQLFormattedError,
  error: unknown,
  options: { maskUnexpected: boolean },
): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return {
      ...formatted,
      message: original.message,
      extensions: { ...formatted.extensions, ...original.details, code: original.code },
    };
  }
  const code = formatted.extensions?.code;
  if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  if (!options.maskUnexpected) return formatted;
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
