import type { Transaction } from 'kysely';
import { badInput } from '../../../lib/errors.ts';
import {
  attachExternalRefs,
  checkExternalRef,
  checkExternalRefs,
  externalRefKey,
  recordIdByRef,
  resolveRecordId,
  setExternalRefs,
  type ExternalRef,
} from '../../../lib/external-refs.ts';
import type { RequestScope } from '../../../lib/graphql/subgraph-server.ts';
import { idFromLookup, type ForeignEntity, type ForeignRefs } from '../../../lib/foreign-refs.ts';
import type { PsaDatabase } from '../tables.ts';

/** psa's records that carry ids of other systems (the `entity` of their `external_ref` rows). */
export type PsaEntity = 'Project' | 'Task' | 'Assignment' | 'Milestone';

type Ref = ExternalRef | null | undefined;

/** Other subgraphs' records that a batch of inputs names by reference, looked up together before the transaction. */
export interface ForeignIds {
  /**
   * The id an input gives as `<field>Id` or `<field>Ref` (null when neither): both is BAD_USER_INPUT, a reference the
   * owner does not know NOT_FOUND, as an unknown id would be.
   */
  id(entity: ForeignEntity, field: string, given: { id?: string | null; ref?: Ref }): string | null;
}

/**
 * One request per owning list for all the references of a batch (`wanted`), not one per input. References that are
 * not well formed are left out here and refused with their input when `id` checks them.
 */
export async function lookUpForeignIds(foreign: ForeignRefs, scope: RequestScope, wanted: Iterable<readonly [ForeignEntity, Ref]>): Promise<ForeignIds> {
  const byEntity = new Map<ForeignEntity, ExternalRef[]>();
  for (const [entity, ref] of wanted) {
    if (!ref) continue;
    try {
      checkExternalRef('ref', ref);
    } catch {
      continue;
    }
    byEntity.set(entity, [...(byEntity.get(entity) ?? []), ref]);
  }
  const found = new Map(
    await Promise.all(
      [...byEntity].map(async ([entity, refs]) => [entity, await foreign.idsOf(entity, refs, { correlationId: scope.correlationId })] as const),
    ),
  );
  return {
    id: (entity, field, given) => idFromLookup(found.get(entity), entity, field, given),
  };
}

/** A psa record an input names by id or by reference (`projectId` or `projectRef`), read in the caller's transaction. */
export const localId = (trx: Transaction<PsaDatabase>, entity: PsaEntity, field: string, given: { id?: string | null; ref?: Ref }) =>
  resolveRecordId(trx, entity, field, given);

/** The same, required: BAD_USER_INPUT naming `<field>Id` when the input gives neither. */
export async function requiredLocalId(trx: Transaction<PsaDatabase>, entity: PsaEntity, field: string, given: { id?: string | null; ref?: Ref }) {
  const id = await localId(trx, entity, field, given);
  if (id === null) throw badInput(`${field}Id`, `is required (or ${field}Ref)`);
  return id;
}

export function requiredForeignId(ids: ForeignIds, entity: ForeignEntity, field: string, given: { id?: string | null; ref?: Ref }) {
  const id = ids.id(entity, field, given);
  if (id === null) throw badInput(`${field}Id`, `is required (or ${field}Ref)`);
  return id;
}

/** The record an upsert input is about: the one holding its key reference, else the one `id` names (if any). */
export async function upsertTarget(trx: Transaction<PsaDatabase>, entity: PsaEntity, input: { externalRef: ExternalRef; id?: string | null }) {
  const key = checkExternalRef('externalRef', input.externalRef);
  const holder = await recordIdByRef(trx, entity, key);
  if (holder && input.id != null && holder !== input.id) {
    throw badInput('id', `${entity} ${holder} already holds ${externalRefKey(key)}, not ${input.id}`);
  }
  return { key, id: holder ?? input.id ?? null };
}

/**
 * A write's references: a create's or an upsert's are added (`attach`), an update's replace the set (`replace`).
 * Returns whether anything changed.
 */
export async function writeExternalRefs(
  trx: Transaction<PsaDatabase>,
  entity: PsaEntity,
  recordId: string,
  refs: { attach?: readonly ExternalRef[]; replace?: readonly ExternalRef[] | null },
): Promise<boolean> {
  if (refs.replace != null) {
    const before = await trx.selectFrom('external_ref').select(['system', 'external_id']).where('entity', '=', entity).where('record_id', '=', recordId).execute();
    const next = checkExternalRefs('externalRefs', refs.replace);
    const same = before.length === next.length && next.every((ref) => before.some((row) => row.system === ref.system && row.external_id === ref.id));
    if (same) return false;
    await setExternalRefs(trx, entity, recordId, next);
    return true;
  }
  // An upsert's key may come again among its other references: the same reference once.
  const attach = [...new Map((refs.attach ?? []).map((ref) => [externalRefKey(ref), ref])).values()];
  return attachExternalRefs(trx, entity, recordId, attach);
}
