import { eachGraphPage, type GraphClient } from './graph-client.ts';
import { badInput, DomainError, notFound } from './errors.ts';
import { checkExternalRef, externalRefKey, type ExternalRef } from './external-refs.ts';

/** Records of other subgraphs that a subgraph's inputs may name by their ids in another system (`customerRef`, `workerRef`). */
export type ForeignEntity = 'Customer' | 'Contract' | 'LegalEntity' | 'Worker' | 'Role';

/** Each one's owning list and its filter type: the owner answers `filter: { externalRefs }` (issue 17 contract). */
const lists: Record<ForeignEntity, { field: string; filter: string }> = {
  Customer: { field: 'customers', filter: 'CustomerFilter' },
  Contract: { field: 'contracts', filter: 'ContractFilter' },
  LegalEntity: { field: 'legalEntities', filter: 'LegalEntityFilter' },
  Worker: { field: 'workers', filter: 'WorkerFilter' },
  Role: { field: 'roles', filter: 'RoleFilter' },
};

export interface ForeignRefs {
  /**
   * The ids of the records `refs` name, by `externalRefKey` (a reference the owner does not know is absent): one
   * request per 500 records, whatever the number of inputs the references come from.
   */
  idsOf(entity: ForeignEntity, refs: readonly ExternalRef[], options: { correlationId: string }): Promise<Map<string, string>>;
}

const pageSize = 500;

interface Answer {
  id: string;
  externalRefs: ExternalRef[];
}

/** Looked up through the gateway as the asking subgraph's service identity, before its transaction. */
export function createGraphForeignRefs(graph: GraphClient): ForeignRefs {
  return {
    async idsOf(entity, refs, { correlationId }) {
      const ids = new Map<string, string>();
      if (refs.length === 0) return ids;
      const wanted = new Set(refs.map(externalRefKey));
      const { field, filter } = lists[entity];
      await eachGraphPage<Answer>(
        graph,
        `query ForeignRefs($filter: ${filter}, $after: String) {
          ${field}(first: ${pageSize}, after: $after, filter: $filter) { nodes { id externalRefs { system id } } pageInfo { hasNextPage endCursor } }
        }`,
        field,
        { filter: { externalRefs: [...new Map(refs.map((ref) => [externalRefKey(ref), { system: ref.system.trim(), id: ref.id.trim() }])).values()] } },
        (nodes) => {
          for (const node of nodes) {
            for (const ref of node.externalRefs) if (wanted.has(externalRefKey(ref))) ids.set(externalRefKey(ref), node.id);
          }
        },
        correlationId,
      );
      return ids;
    },
  };
}

/** Without a graph (a subgraph run alone) another subgraph's record is named by its id only. */
export const noForeignRefs: ForeignRefs = {
  idsOf: (entity) =>
    Promise.reject(new DomainError('SERVICE_UNAVAILABLE', `no graph to look up a ${entity} by external reference: give its id`)),
};

/**
 * The id an input's field names: `xId` as given, else the record holding `xRef` among `found` (the ids `idsOf` looked
 * up for the batch; NOT_FOUND when none holds it). Giving both is BAD_USER_INPUT.
 */
export function idFromLookup(
  found: ReadonlyMap<string, string> | undefined,
  entity: string,
  field: string,
  given: { id?: string | null; ref?: ExternalRef | null },
): string | null {
  if (given.id != null && given.ref != null) throw badInput(field, 'give the id or the external reference, not both');
  if (given.id != null) return given.id;
  if (given.ref == null) return null;
  const ref = checkExternalRef(`${field}Ref`, given.ref);
  const id = found?.get(externalRefKey(ref));
  if (!id) throw notFound(entity, externalRefKey(ref));
  return id;
}
