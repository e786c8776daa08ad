import { DomainError } from '../lib/errors.ts';
import type { GatewayContext } from './context.ts';
import { askSubgraphEndpoint } from './operations/subgraph-endpoint.ts';
import { ExportError } from './payroll-export.ts';

export interface SubgraphExportsOptions {
  /** Where each subgraph listens (its GraphQL URL; the export endpoints are beside it). */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  readonly identitySecret: string;
  /** How long one page may take a subgraph. Default 120 s. */
  readonly timeoutMs?: number;
}

/** An entity to look up in its owning subgraph: its typename and the fields wanted (a selection set's body). */
export interface EntityLookup {
  readonly typename: string;
  readonly selection: string;
}

/**
 * The gateway's direct calls to subgraphs for the streamed exports (time-entry-export.ts), signed as the caller for
 * each request alone, as the query planner's are (signed-data-source.ts): a subgraph's export endpoint
 * (lib/http/export-endpoint.ts), and `_entities` of the entities a page refers to, the very call the query plan makes
 * for a federated field, so the other subgraphs' fields come out as the graph would give them, under the same access
 * rules. A refusal is an ExportError with the subgraph's code.
 */
export function subgraphExports(options: SubgraphExportsOptions) {
  async function post(subgraph: string, path: string, body: unknown, context: GatewayContext): Promise<unknown> {
    const subgraphUrl = options.subgraphUrls[subgraph];
    if (!subgraphUrl) throw new ExportError('INTERNAL_SERVER_ERROR', `no ${subgraph} subgraph in this graph`);
    const call = { subgraph, subgraphUrl, path, body, identitySecret: options.identitySecret, timeoutMs: options.timeoutMs ?? 120_000, what: 'an export page' };
    try {
      return await askSubgraphEndpoint(call, context);
    } catch (error) {
      // An export answers in HTTP, not as a GraphQL error: the same code, as its status.
      if (error instanceof DomainError) throw new ExportError(error.code, error.message);
      throw error;
    }
  }

  return {
    /** A subgraph's export endpoint, JSON in and out. */
    ask: <Answer>(subgraph: string, path: string, body: unknown, context: GatewayContext) => post(subgraph, path, body, context) as Promise<Answer>,

    /**
     * The entities `ids` of one subgraph, several typenames in one `_entities` call; a map per typename from id to
     * the entity (null for one the subgraph does not know). Errors (FORBIDDEN…) refuse the export, as they would
     * refuse the graph's answer.
     */
    async entities(
      subgraph: string,
      wanted: ReadonlyArray<EntityLookup & { readonly ids: readonly string[] }>,
      context: GatewayContext,
    ): Promise<Map<string, Map<string, Record<string, unknown> | null>>> {
      const asked = wanted.filter((lookup) => lookup.ids.length > 0);
      const found = new Map(wanted.map((lookup) => [lookup.typename, new Map<string, Record<string, unknown> | null>()]));
      if (asked.length === 0) return found;
      const representations = asked.flatMap((lookup) => lookup.ids.map((id) => ({ __typename: lookup.typename, id })));
      const fragments = asked.map((lookup) => `... on ${lookup.typename} { ${lookup.selection} }`).join(' ');
      const query = `query ExportLookup($representations: [_Any!]!) { _entities(representations: $representations) { ${fragments} } }`;
      type Answer = { data?: { _entities?: Array<Record<string, unknown> | null> }; errors?: Array<{ message?: string; extensions?: { code?: string } }> };
      const answer = (await post(subgraph, '/graphql', { query, variables: { representations } }, context)) as Answer;
      const [first] = answer.errors ?? [];
      if (first || !answer.data?._entities) throw new ExportError(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first?.message ?? `${subgraph}: no data`);
      answer.data._entities.forEach((entity, index) => {
        const { __typename, id } = representations[index];
        found.get(__typename)!.set(id, entity);
      });
      return found;
    },
  };
}

export type SubgraphExports = ReturnType<typeof subgraphExports>;
