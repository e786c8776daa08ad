import type { GraphClient } from '../../lib/graph-client.ts';
import type { ExternalRef } from '../../lib/external-refs.ts';
import { badInput } from '../../lib/errors.ts';
import { createGraphForeignRefs, idFromLookup } from '../../lib/foreign-refs.ts';

/** hcm's records that crm's inputs name: a rate's role, a contract's legal entity. */
export type HcmEntity = 'Role' | 'LegalEntity';

export type HcmRefsWanted = Partial<Record<HcmEntity, readonly ExternalRef[]>>;

/** The ids an input's fields name: `xId` as given, else the record holding `xRef` (NOT_FOUND when none does). */
export interface HcmIds {
  idOf(entity: HcmEntity, field: string, given: { id?: string | null; ref?: ExternalRef | null }): string | null;
}

/**
 * hcm's ids for the references a request's inputs give (`roleRef`, `legalEntityRef`): asked of hcm's lists through the
 * gateway, one request per kind of record for a whole batch of inputs, BEFORE the transaction (the embedded database
 * has one session).
 */
export interface HcmRefs {
  resolve(wanted: HcmRefsWanted, options: { correlationId: string }): Promise<HcmIds>;
}


function hcmIds(found: ReadonlyMap<HcmEntity, ReadonlyMap<string, string>>): HcmIds {
  return {
    idOf: (entity, field, given) => idFromLookup(found.get(entity), entity, field, given),
  };
}

export function createGraphHcmRefs(graph: GraphClient): HcmRefs {
  const foreign = createGraphForeignRefs(graph);
  return {
    async resolve(wanted, { correlationId }) {
      const found = new Map<HcmEntity, ReadonlyMap<string, string>>();
      for (const [entity, refs] of Object.entries(wanted) as Array<[HcmEntity, readonly ExternalRef[]]>) {
        found.set(entity, await foreign.idsOf(entity, refs, { correlationId }));
      }
      return hcmIds(found);
    },
  };
}

/** Without the graph (crm run alone): ids as given; a reference to an hcm record is refused. */
export const noHcmRefs: HcmRefs = {
  async resolve(wanted) {
    if (Object.values(wanted).some((refs) => refs && refs.length > 0)) {
      throw badInput('input', "references to hcm's records need the graph: give their ids");
    }
    return hcmIds(new Map());
  },
};
