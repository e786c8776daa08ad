import type { Kysely, Transaction } from 'kysely';
import type { CrmDatabase } from './tables.ts';
import { containsPattern } from '../../lib/db/like.ts';
import { changedAfter } from '../../lib/db/changes.ts';
import { whereExternalRef, whereExternalSystem, type ExternalRef } from '../../lib/external-refs.ts';

/** Queries only: no rules, no transactions of their own. Each takes the handle (db or trx) first. */
type Db = Kysely<CrmDatabase> | Transaction<CrmDatabase>;

export interface CustomerFilter {
  ids?: readonly string[] | null;
  search?: string | null;
  status?: string | null;
  parentId?: string | null;
  topLevelOnly?: boolean | null;
  currency?: string | null;
  externalRefs?: readonly ExternalRef[] | null;
  externalSystem?: string | null;
  updatedAfter?: Date | string | null;
}

export interface OpportunityFilter {
  customerId?: string | null;
  stage?: readonly string[] | null;
  legalEntityId?: string | null;
  expectedCloseFrom?: string | null;
  expectedCloseTo?: string | null;
}

export interface ContractFilter {
  customerId?: string | null;
  status?: readonly string[] | null;
  billingMethod?: string | null;
  legalEntityId?: string | null;
  activeFrom?: string | null;
  activeTo?: string | null;
  externalRefs?: readonly ExternalRef[] | null;
  externalSystem?: string | null;
}

export const customersByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('customer').selectAll().where('id', 'in', ids).execute();

export function customersQuery(db: Db, filter: CustomerFilter = {}) {
  let query = db.selectFrom('customer').selectAll();
  if (filter.ids) query = query.where('id', 'in', filter.ids.length ? filter.ids : ['']);
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('code', 'ilike', pattern)]));
  }
  if (filter.status) query = query.where('status', '=', filter.status as never);
  if (filter.parentId) query = query.where('parent_id', '=', filter.parentId);
  if (filter.topLevelOnly) query = query.where('parent_id', 'is', null);
  if (filter.currency) query = query.where('currency', '=', filter.currency);
  if (filter.externalRefs) query = whereExternalRef(query, 'Customer', 'customer.id', filter.externalRefs);
  if (filter.externalSystem) query = whereExternalSystem(query, 'Customer', 'customer.id', filter.externalSystem);
  return changedAfter(query, 'customer', filter.updatedAfter);
}

/** Ancestors of a customer, nearest first: a new parent must not be the customer itself or one of its children. */
export async function customerAncestorIds(db: Db, customerId: string): Promise<string[]> {
  const ancestors: string[] = [];
  let current: string | null = customerId;
  while (current && ancestors.length < 50) {
    const row: { parent_id: string | null } | undefined = await db
      .selectFrom('customer')
      .select('parent_id')
      .where('id', '=', current)
      .executeTakeFirst();
    current = row?.parent_id ?? null;
    if (current) ancestors.push(current);
  }
  return ancestors;
}

export const contactsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('contact').selectAll().where('id', 'in', ids).execute();

export const contactsQuery = (db: Db) => db.selectFrom('contact').selectAll();

export const opportunitiesByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('opportunity').selectAll().where('id', 'in', ids).execute();

export function opportunitiesQuery(db: Db, filter: OpportunityFilter = {}) {
  let query = db.selectFrom('opportunity').selectAll();
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.stage?.length) query = query.where('stage', 'in', filter.stage as never[]);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.expectedCloseFrom) query = query.where('expected_close_date', '>=', filter.expectedCloseFrom);
  if (filter.expectedCloseTo) query = query.where('expected_close_date', '<=', filter.expectedCloseTo);
  return query;
}

export const contractsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('contract').selectAll().where('id', 'in', ids).execute();

export function contractsQuery(db: Db, filter: ContractFilter = {}) {
  let query = db.selectFrom('contract').selectAll();
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status as never[]);
  if (filter.billingMethod) query = query.where('billing_method', '=', filter.billingMethod as never);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.activeTo) query = query.where('start_date', '<=', filter.activeTo);
  if (filter.activeFrom) {
    const from = filter.activeFrom;
    query = query.where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', from)]));
  }
  if (filter.externalRefs) query = whereExternalRef(query, 'Contract', 'contract.id', filter.externalRefs);
  if (filter.externalSystem) query = whereExternalSystem(query, 'Contract', 'contract.id', filter.externalSystem);
  return query;
}

export const amendmentsByContracts = (db: Db, contractIds: readonly string[]) =>
  db.selectFrom('contract_amendment').selectAll().where('contract_id', 'in', contractIds).orderBy('effective_date').orderBy('created_at').execute();

export const rateCardsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('rate_card').selectAll().where('id', 'in', ids).execute();

export const rateCardsByContracts = (db: Db, contractIds: readonly string[]) =>
  db.selectFrom('rate_card').selectAll().where('contract_id', 'in', contractIds).execute();

export const ratesByRateCards = (db: Db, rateCardIds: readonly string[]) =>
  db.selectFrom('rate_card_rate').selectAll().where('rate_card_id', 'in', rateCardIds).orderBy('role_id').orderBy('effective_from').execute();

/** Locks the card so two concurrent rate additions cannot both pass the overlap check. */
export const lockRateCard = (trx: Transaction<CrmDatabase>, id: string) =>
  trx.selectFrom('rate_card').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockCustomer = (trx: Transaction<CrmDatabase>, id: string) =>
  trx.selectFrom('customer').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockContact = (trx: Transaction<CrmDatabase>, id: string) =>
  trx.selectFrom('contact').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockRateCardOfContract = (trx: Transaction<CrmDatabase>, contractId: string) =>
  trx.selectFrom('rate_card').selectAll().where('contract_id', '=', contractId).forUpdate().executeTakeFirst();

export const lockContract = (trx: Transaction<CrmDatabase>, id: string) =>
  trx.selectFrom('contract').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockOpportunity = (trx: Transaction<CrmDatabase>, id: string) =>
  trx.selectFrom('opportunity').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
