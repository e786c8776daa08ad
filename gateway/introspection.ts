import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';
import type { Identity, Role } from '../lib/auth/identity.ts';
import type { GatewayContext } from './context.ts';

/** The fields that read the schema itself; `__typename` is not one of them (every client asks it). */
const introspectionFields = new Set(['__schema', '__type']);

const introspects = (document: DocumentNode) => {
  let found = false;
  visit(document, {
    Field(node) {
      if (!introspectionFields.has(node.name.value)) return;
      found = true;
      return BREAK;
    },
  });
  return found;
};

/**
 * Who may introspect (README "Introspection"): everyone when `roles` is `*`, else a caller with one of them. Apollo
 * Server's own switch (`introspection`) is one for all callers and a validation rule, whose verdict Apollo caches per
 * document; the caller is only known per request, so the gateway turns Apollo's switch on and this plugin decides,
 * once the operation is known and before anything runs. Requests without a token never get this far (401).
 */
export function introspectionPlugin(roles: readonly Role[] | '*'): ApolloServerPlugin<GatewayContext> {
  const allowed = (identity: Identity | undefined) =>
    roles === '*' || (identity?.roles.some((role) => roles.includes(role)) ?? false);
  const who = roles === '*' ? 'every caller' : roles.length === 0 ? 'nobody' : `only ${roles.join(', ')}`;
  /** Apollo Server hands the same document object for a repeated query. */
  const verdicts = new WeakMap<DocumentNode, boolean>();
  return {
    requestDidStart: async ({ contextValue }) => {
      if (allowed(contextValue.identity)) return;
      return {
        didResolveOperation: async ({ document }) => {
          let introspecting = verdicts.get(document);
          if (introspecting === undefined) verdicts.set(document, (introspecting = introspects(document)));
          if (!introspecting) return;
          throw new GraphQLError(`Introspection is not allowed for this caller (${who} may; INTROSPECTION_ROLES).`, {
            extensions: { code: 'FORBIDDEN', http: { status: 403 } },
          });
        },
      };
    },
  };
}
