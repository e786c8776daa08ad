import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { DomainError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * Whether a client will see an error only as "Internal server error" once `formatGraphQLError` (lib/errors.ts) masks
 * it: not a DomainError, and no code or INTERNAL_SERVER_ERROR (a subgraph's own masked failure, an unreachable
 * subgraph, a bug in the gateway).
 */
function isMasked(error: Error): boolean {
  if (error instanceof DomainError) return false;
  if (!(error instanceof GraphQLError)) return true;
  if (error.originalError instanceof DomainError) return false;
  const code = error.extensions?.code;
  return code === undefined || code === null || code === 'INTERNAL_SERVER_ERROR';
}

/**
 * The error as it happened: the innermost original of a GraphQLError (a subgraph's error as it answered it is a
 * plain object, not an Error) with its stack, or the subgraph's stacktrace when it sent one, and the cause (a
 * failed fetch names the refused connection only there).
 */
function originalOf(error: Error): { message: string; stack?: string; cause?: string } {
  let original: unknown = error;
  while (original instanceof GraphQLError && original.originalError) original = original.originalError;
  const { message } = original as { message?: unknown };
  const cause = original instanceof Error ? original.cause : undefined;
  const sentStack = error instanceof GraphQLError ? error.extensions?.stacktrace : undefined;
  return {
    message: String(message ?? error.message),
    stack: original instanceof Error ? original.stack : Array.isArray(sentStack) ? sentStack.join('\n') : undefined,
    cause: cause === undefined ? undefined : cause instanceof Error ? cause.message : String(cause),
  };
}

/**
 * Logs every error that is masked for the client, at error level, with what is needed to find it again: the
 * request's correlation id (the one the client sent in `x-correlation-id`, or the one it got back), the operation,
 * the path, the subgraph it came from (`extensions.serviceName`, set by the gateway for errors a subgraph answered)
 * and the original message and stack. The gateway and every subgraph log with it, so the gateway's line and the
 * subgraph's line of one failure share the correlation id (the subgraph's has the real message). Domain
 * errors (a stable code the client already reads) are not logged: they are answers, not failures.
 */
export function errorLogPlugin<TContext extends BaseContext & { readonly correlationId: string }>(
  logger: Logger,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, operationName, errors }) {
          for (const error of errors) {
            if (!isMasked(error)) continue;
            const serviceName = error instanceof GraphQLError ? error.extensions?.serviceName : undefined;
            logger.error('unexpected error', {
              correlationId: contextValue.correlationId,
              operationName: operationName ?? null,
              path: error instanceof GraphQLError && error.path ? error.path.join('.') : null,
              serviceName: typeof serviceName === 'string' ? serviceName : null,
              error: originalOf(error),
            });
          }
        },
      };
    },
  };
}
