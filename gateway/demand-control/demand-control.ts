import type { ApolloServerPlugin } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  Lexer,
  parse,
  Source,
  TokenKind,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Identity } from '../../lib/auth/identity.ts';
import type { GatewayContext } from '../context.ts';
import { costDirectivesOf } from './cost-directives.ts';
import { costBudgetOf, queryLimitsOf, type QueryLimits } from './limits.ts';
import { estimateCost, type CostModel } from './query-cost.ts';
import { shapeViolations, type Violation } from './static-limits.ts';

export interface DemandControlOptions {
  /** The composed supergraph: the `@cost` and `@listSize` declarations are read from it. */
  readonly supergraphSdl: string;
  /** Settings over the defaults (limits.ts). */
  readonly limits?: Partial<QueryLimits>;
}

/** graphql-js's message when a document passes `maxTokens` (16.x spells it "more that"). */
const tokenLimitMessage = /Document contains more tha[nt] \d+ tokens/;

const explain: Record<Violation['limit'], (violation: Violation) => string> = {
  depth: ({ found, maximum }) => `selections nested ${found} levels deep (at most ${maximum})`,
  aliases: ({ found, maximum }) => `${found} aliases (at most ${maximum})`,
  rootFields: ({ found, maximum }) => `${found} root fields (at most ${maximum})`,
  directives: ({ found, maximum }) => `${found} directives (at most ${maximum})`,
  tokens: ({ maximum }) => `more than ${maximum} tokens`,
  cost: ({ found, maximum }) => `an estimated cost of ${found} (at most ${maximum} for this caller)`,
};

/**
 * The refusal a client sees: QUERY_TOO_COMPLEX with the limit, its maximum and what the operation has. Thrown in
 * Apollo Server with `http`, a 400 as for any document that fails validation; over graphql-ws and SSE an error result.
 */
export function queryTooComplex(violation: Violation, http?: { readonly status: number }): GraphQLError {
  const { limit, maximum, found } = violation;
  const message = `Query too complex: ${explain[limit](violation)}. Ask for less, or split it into several operations.`;
  return new GraphQLError(message, {
    extensions: {
      code: 'QUERY_TOO_COMPLEX',
      limit,
      maximum,
      ...(found === undefined ? {} : { found }),
      ...(http ? { http } : {}),
    },
  });
}

/**
 * Demand control at the gateway: depth, aliases, root fields, tokens, directives and a static cost estimate of each
 * client operation, checked before any subgraph is called (README "Query limits"). Only what clients send is
 * limited: the gateway's own operations (a live field's resolution repeats the subscriber's selection once per
 * entity, the exports page through the graph) go through Apollo Server too, and the client's part of them was
 * checked where it came in. Nothing here is per request but the cost, so no request context is kept (an
 * AsyncLocalStorage would slow every promise of the process by 10–20 %, measured on the deep query).
 */
export class DemandControl {
  readonly limits: QueryLimits;
  readonly #model: CostModel;
  /** Shape checks depend on the document alone; Apollo Server hands the same object for a repeated query. */
  readonly #shapes = new WeakMap<DocumentNode, Violation | null>();
  /** The cost estimated for each client request let through, for the rate limits to weigh it by (costOf). */
  readonly #costs = new WeakMap<GatewayContext, number>();

  constructor(options: DemandControlOptions) {
    this.limits = queryLimitsOf(options.limits);
    this.#model = { directives: costDirectivesOf(options.supergraphSdl), defaultListSize: 10, mutationWeight: 10 };
  }

  /**
   * The token limit, on the text of a document a client sent over HTTP, before Apollo Server parses and validates it
   * (lib/http/apollo-handler.ts calls it): a long document costs its parse and its validation, whatever else is wrong
   * with it, so counting stops at the limit. Lexing the README's deep query takes about 2 µs. Null: go on.
   */
  screen(query: unknown, identity: Identity): GraphQLFormattedError | null {
    if (!limited(identity) || typeof query !== 'string') return null;
    const lexer = new Lexer(new Source(query));
    let tokens = 0;
    try {
      while (lexer.advance().kind !== TokenKind.EOF) {
        if (++tokens > this.limits.maxTokens) {
          const { message, extensions } = queryTooComplex({ limit: 'tokens', maximum: this.limits.maxTokens });
          return { message, extensions };
        }
      }
    } catch {
      // A lexical error: the parser reports it as such.
    }
    return null;
  }

  /** The first limit an operation goes past, shape first (cached per document), then the cost for this caller. */
  check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>> | undefined,
    identity: Identity | undefined,
    onCost?: (cost: number) => void,
  ): Violation | null {
    let shape = this.#shapes.get(document);
    if (shape === undefined) {
      shape = shapeViolations(schema, document, this.limits)[0] ?? null;
      this.#shapes.set(document, shape);
    }
    if (shape) return shape;
    const maximum = costBudgetOf(this.limits, identity);
    const found = Math.ceil(estimateCost(schema, document, operation, variables, this.#model));
    if (found > maximum) return { limit: 'cost', maximum, found: Math.min(found, Number.MAX_SAFE_INTEGER) };
    onCost?.(found);
    return null;
  }

  /**
   * The Apollo Server plugin: refuses a client's operation past a limit once it is parsed, validated and its
   * operation known (`didResolveOperation`), before the query planner or any subgraph sees it. A client's: sent over
   * HTTP (the gateway's own operations run through `executeOperation`) by a bearer of a token, not a service.
   */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async ({ request, contextValue }) => {
        if (!request.http || !limited(contextValue.identity)) return;
        return {
          didResolveOperation: async ({ schema, document, operation }) => {
            if (!operation) return;
            const record = (cost: number) => this.#costs.set(contextValue, cost);
            const violation = this.check(schema, document, operation, request.variables, contextValue.identity, record);
            if (violation) throw queryTooComplex(violation, { status: 400 });
          },
        };
      },
    };
  }

  /** The operation's estimated cost, as `check` computes it (the analytics lane classifies by it). */
  estimate(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined): number {
    return estimateCost(schema, document, operation, variables, this.#model);
  }

  /** The cost estimated for a client request this plugin let through (undefined: refused, or not estimated). */
  costOf(context: GatewayContext): number | undefined {
    return this.#costs.get(context);
  }

  /**
   * A subscribe request (graphql-ws, SSE) against the limits, before the live server reads it: the errors to answer
   * with, or null to go on (a document that does not parse or validate is left to the live server to report).
   */
  refuseSubscription(
    schema: GraphQLSchema,
    request: { readonly query?: unknown; readonly operationName?: unknown; readonly variables?: unknown },
    identity: Identity,
  ): readonly GraphQLError[] | null {
    if (typeof request.query !== 'string') return null;
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      const tooLong = error instanceof GraphQLError && tokenLimitMessage.test(error.message);
      return tooLong ? [queryTooComplex({ limit: 'tokens', maximum: this.limits.maxTokens })] : null;
    }
    const { operationName, variables } = request;
    const operation = getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
    if (!operation) return null;
    const given = variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : undefined;
    const violation = this.check(schema, document, operation, given, identity);
    return violation ? [queryTooComplex(violation)] : null;
  }
}

/**
 * Whether an identity's operations are limited: a subgraph reading the graph as itself (a signed service identity)
 * runs psgraph's own queries, which page by 500 and nest lists (costs in the hundreds of thousands), bounded by the
 * code that sends them.
 */
const limited = (identity: Identity | undefined) => !identity?.service;
