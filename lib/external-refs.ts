import { sql, type Generated, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import { badInput, DomainError, notFound } from './errors.ts';
import { loaderByGroup } from './graphql/loaders.ts';

/**
 * A record's identifier in another system (the CRM's account id, the HR system's employee id, Harvest's project id).
 * A record may carry one per system; a (system, id) names at most one record of an entity.
 */
export interface ExternalRef {
  system: string;
  id: string;
}

/** Part of the Database type of every subgraph that owns master data (crm, hcm, psa). */
export interface ExternalRefTables {
  external_ref: {
    /** The GraphQL typename of the record: `Worker`, `Project`, … */
    entity: string;
    system: string;
    external_id: string;
    record_id: string;
    created_at: Generated<Date>;
  };
}

/**
 * One table per subgraph for every entity's references, rather than a column per table: a record has several, each
 * unique per (entity, system, id), and a record has at most one id in a system.
 */
export async function createExternalRefTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('external_ref')
    .addColumn('entity', 'text', (col) => col.notNull())
    .addColumn('system', 'text', (col) => col.notNull())
    .addColumn('external_id', 'text', (col) => col.notNull())
    // text, as every subgraph's ids are: a uuid column would not compare with them (uuid = text has no operator).
    .addColumn('record_id', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('external_ref_pk', ['entity', 'system', 'external_id'])
    .addUniqueConstraint('external_ref_one_per_system', ['entity', 'record_id', 'system'])
    .execute();
}

type Db = Kysely<ExternalRefTables> | Transaction<ExternalRefTables>;
const typed = (db: Kysely<any> | Transaction<any>) => db as unknown as Db;

const systemPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
export const MAX_EXTERNAL_ID_LENGTH = 200;

/** A reference as given: system a short token (`harvest`, `workday`, `sap.fi`), id any text, both trimmed. */
export function checkExternalRef(field: string, ref: ExternalRef): ExternalRef {
  const system = ref.system.trim();
  const id = ref.id.trim();
  if (!systemPattern.test(system) || system.length > 40) {
    throw badInput(`${field}.system`, `"${ref.system}" is not a system name (letters, digits, _ . : -, at most 40)`);
  }
  if (id.length === 0 || id.length > MAX_EXTERNAL_ID_LENGTH) {
    throw badInput(`${field}.id`, `must be 1 to ${MAX_EXTERNAL_ID_LENGTH} characters`);
  }
  return { system, id };
}

/** A record's whole set of references: each valid, one per system. */
export function checkExternalRefs(field: string, refs: readonly ExternalRef[]): ExternalRef[] {
  const checked = refs.map((ref, i) => checkExternalRef(`${field}[${i}]`, ref));
  const systems = new Set<string>();
  for (const ref of checked) {
    if (systems.has(ref.system)) throw badInput(field, `names system "${ref.system}" twice: a record has one id per system`);
    systems.add(ref.system);
  }
  return checked;
}

const describe = (ref: ExternalRef) => `${ref.system}:${ref.id}`;

/** How `recordIdsByRefs` keys its answer (`system:id`, trimmed): to find a reference's record in it. */
export const externalRefKey = (ref: ExternalRef) => describe({ system: ref.system.trim(), id: ref.id.trim() });

/** The references of each record, by record id: one statement per batch (the `externalRefs` field's loader). */
export const externalRefLoader = (db: Kysely<any>, entity: string) =>
  loaderByGroup(
    (recordIds) =>
      typed(db)
        .selectFrom('external_ref')
        .select(['record_id', 'system', 'external_id'])
        .where('entity', '=', entity)
        .where('record_id', 'in', recordIds)
        .orderBy('system')
        .execute(),
    (row) => row.record_id,
  );

/** The GraphQL shape of a stored reference. */
export const toExternalRef = (row: { system: string; external_id: string }): ExternalRef => ({ system: row.system, id: row.external_id });

/** The record ids that references name, by `system:id`; unknown references are absent. One statement. */
export async function recordIdsByRefs(db: Kysely<any> | Transaction<any>, entity: string, refs: readonly ExternalRef[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const rows = await typed(db)
    .selectFrom('external_ref')
    .select(['system', 'external_id', 'record_id'])
    .where('entity', '=', entity)
    .where((eb) => eb.or(refs.map((ref) => eb.and([eb('system', '=', ref.system.trim()), eb('external_id', '=', ref.id.trim())]))))
    .execute();
  return new Map(rows.map((row) => [describe({ system: row.system, id: row.external_id }), row.record_id]));
}

export async function recordIdByRef(db: Kysely<any> | Transaction<any>, entity: string, ref: ExternalRef): Promise<string | null> {
  const ids = await recordIdsByRefs(db, entity, [ref]);
  return ids.get(externalRefKey(ref)) ?? null;
}

/**
 * The id an input names either directly or by reference (`projectId` or `projectRef`): exactly one of them, and a
 * reference that names nothing is NOT_FOUND like an unknown id.
 */
export async function resolveRecordId(
  db: Kysely<any> | Transaction<any>,
  entity: string,
  field: string,
  given: { id?: string | null; ref?: ExternalRef | null },
): Promise<string | null> {
  if (given.id != null && given.ref != null) throw badInput(field, 'give the id or the external reference, not both');
  if (given.id != null) return given.id;
  if (given.ref == null) return null;
  const ref = checkExternalRef(`${field}Ref`, given.ref);
  const id = await recordIdByRef(db, entity, ref);
  if (!id) throw notFound(entity, describe(ref));
  return id;
}

/**
 * Adds references to a record. A reference another record holds is CONFLICT (`extensions.recordId` names the holder);
 * a record that has another id in the same system is CONFLICT too: references are changed on purpose, with
 * `setExternalRefs`, not by a stray import. Returns whether anything was added.
 */
export async function attachExternalRefs(
  trx: Transaction<any>,
  entity: string,
  recordId: string,
  refs: readonly ExternalRef[],
  field = 'externalRefs',
): Promise<boolean> {
  const checked = checkExternalRefs(field, refs);
  if (checked.length === 0) return false;
  const db = typed(trx);
  const holders = await recordIdsByRefs(trx, entity, checked);
  const own = await db.selectFrom('external_ref').select(['system', 'external_id']).where('entity', '=', entity).where('record_id', '=', recordId).execute();
  const ownBySystem = new Map(own.map((row) => [row.system, row.external_id]));
  const missing: ExternalRef[] = [];
  for (const ref of checked) {
    const holder = holders.get(describe(ref));
    if (holder && holder !== recordId) {
      throw new DomainError('CONFLICT', `${entity} ${holder} already has the external reference ${describe(ref)}`, { field, recordId: holder, ...ref });
    }
    if (holder === recordId) continue;
    const current = ownBySystem.get(ref.system);
    if (current != null) {
      throw new DomainError('CONFLICT', `${entity} ${recordId} already has id ${current} in ${ref.system}, not ${ref.id}`, { field, recordId, ...ref });
    }
    missing.push(ref);
  }
  if (missing.length === 0) return false;
  await db
    .insertInto('external_ref')
    .values(missing.map((ref) => ({ entity, system: ref.system, external_id: ref.id, record_id: recordId })))
    .execute();
  return true;
}

/** Replaces a record's references with `refs` (an update's `externalRefs`); CONFLICT if another record holds one. */
export async function setExternalRefs(trx: Transaction<any>, entity: string, recordId: string, refs: readonly ExternalRef[], field = 'externalRefs') {
  const checked = checkExternalRefs(field, refs);
  const db = typed(trx);
  await db.deleteFrom('external_ref').where('entity', '=', entity).where('record_id', '=', recordId).execute();
  await attachExternalRefs(trx, entity, recordId, checked, field);
}

/** Records with a reference of `entity` that `matches` (the filters below), by their id column. */
function whereHoldingRef<Q extends SelectQueryBuilder<any, any, any>>(query: Q, entity: string, idColumn: string, matches: (eb: any) => any): Q {
  return query.where((eb: any) =>
    eb.exists(
      eb
        .selectFrom('external_ref')
        .select(sql.lit(1).as('one'))
        .where('external_ref.entity', '=', entity)
        .whereRef('external_ref.record_id', '=', idColumn)
        .where(matches),
    ),
  ) as Q;
}

/** Records holding any of `refs` (a list filter's `externalRefs`); `idColumn` is the record's id column. */
export function whereExternalRef<Q extends SelectQueryBuilder<any, any, any>>(query: Q, entity: string, idColumn: string, refs: readonly ExternalRef[]): Q {
  if (refs.length === 0) return query.where(sql<boolean>`false`) as Q;
  return whereHoldingRef(query, entity, idColumn, (eb) =>
    eb.or(refs.map((ref) => eb.and([eb('external_ref.system', '=', ref.system.trim()), eb('external_ref.external_id', '=', ref.id.trim())]))),
  );
}

/** Records having an id in `system` (a list filter's `externalSystem`: what a mirror of that system knows). */
export function whereExternalSystem<Q extends SelectQueryBuilder<any, any, any>>(query: Q, entity: string, idColumn: string, system: string): Q {
  return whereHoldingRef(query, entity, idColumn, (eb) => eb('external_ref.system', '=', system.trim()));
}

/**
 * The record a root lookup names (`customer(id:, externalRef:)`): exactly one of them (BAD_USER_INPUT otherwise); an
 * unknown reference is null, as an unknown id is.
 */
export async function lookupRecordId(
  db: Kysely<any> | Transaction<any>,
  entity: string,
  args: { id?: string | null; externalRef?: ExternalRef | null },
): Promise<string | null> {
  if ((args.id == null) === (args.externalRef == null)) throw badInput('id', 'give either the id or the externalRef');
  if (args.id != null) return args.id;
  return recordIdByRef(db, entity, checkExternalRef('externalRef', args.externalRef!));
}
