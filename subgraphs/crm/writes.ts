import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { toJson } from '../../lib/db/types.ts';
import { checkCurrency, checkDecimal, compareDecimals, roundDecimal } from '../../lib/decimal.ts';
import { badInput, DomainError, notFound } from '../../lib/errors.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { recordAudit } from '../../lib/audit/record.ts';
import { attachExternalRefs, checkExternalRefs, setExternalRefs, type ExternalRef } from '../../lib/external-refs.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { changedColumns } from '../../lib/upsert.ts';
import { checkDate, checkDateRange, checkEmail, checkText, optionalText } from '../../lib/validate.ts';
import { assertNoOverlap, rateChanges, type CardRate } from './domain/rate-card.ts';
import { crmTopics, type ContractCreated, type ContractUpdated } from './events.ts';
import * as repo from './repository.ts';
import type {
  Address,
  BillingMethod,
  ContactRow,
  ContractRow,
  ContractStatus,
  CrmDatabase,
  CustomerRow,
  CustomerStatus,
  FixedFeeMethod,
} from './tables.ts';

/**
 * The writes behind crm's mutations, shared by the single-record mutations (service.ts) and the bulk upserts
 * (upserts.ts) so both apply the same checks and publish the same events. Each runs inside the caller's transaction;
 * a patch writes (and publishes) only what changes and says whether anything did.
 */
export interface CrmWrite {
  readonly trx: Transaction<CrmDatabase>;
  readonly scope: RequestScope;
  readonly clock: Clock;
}

/** Who writes customers and contacts (sales); contracts and rate cards are FINANCE's. */
export const salesRoles = ['FINANCE', 'MANAGER'] as const;

/** A rate as written: its role already resolved to hcm's id. */
export interface ResolvedRate {
  roleId: string;
  billRate: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
}

export const hours = (field: string, value: string | null | undefined) =>
  value == null ? null : checkDecimal(field, value, { scale: 2, min: 'zero' });
export const money = (field: string, value: string | null | undefined) =>
  value == null ? null : checkDecimal(field, value, { scale: 2, min: 'zero' });

/** A card's rates checked and at the card's scale, so a rate given as "120" equals the stored "120.00". */
export function checkRates(rates: readonly ResolvedRate[]): CardRate[] {
  return rates.map((rate, index) => ({
    roleId: checkText(`rates[${index}].roleId`, rate.roleId),
    billRate: roundDecimal(checkDecimal(`rates[${index}].billRate`, rate.billRate, { scale: 2, min: 'zero' }), 2),
    effectiveFrom: checkDate(`rates[${index}].effectiveFrom`, rate.effectiveFrom),
    effectiveTo: rate.effectiveTo == null ? null : checkDate(`rates[${index}].effectiveTo`, rate.effectiveTo),
  }));
}

/** One shape for a stored and a given address (fields in one order, absent ones null), so equal addresses compare equal. */
export function canonicalAddress(address: Address | null | undefined): Address | null {
  if (address == null) return null;
  return {
    line1: address.line1,
    line2: address.line2 ?? null,
    city: address.city,
    region: address.region ?? null,
    postalCode: address.postalCode ?? null,
    country: address.country,
  };
}

const anyChanged = (changed: object) => Object.keys(changed).length > 0;

/**
 * How a new record gets its references: checked against the table (lib `attachExternalRefs`, the default), or as an
 * upsert batch that already knows them attaches them.
 */
export type AttachRefs = (trx: Transaction<CrmDatabase>, recordId: string, refs: readonly ExternalRef[]) => Promise<unknown>;

const attachTo = (entity: string): AttachRefs => (trx, recordId, refs) => attachExternalRefs(trx, entity, recordId, refs);

/**
 * Replaces a record's references (an update's `externalRefs`) when they differ from the stored ones; says whether they
 * did, so an update that gives the same references writes nothing.
 */
export async function replaceExternalRefs(trx: Transaction<CrmDatabase>, entity: string, recordId: string, refs: readonly ExternalRef[]) {
  const wanted = checkExternalRefs('externalRefs', refs);
  const stored = await trx.selectFrom('external_ref').select(['system', 'external_id']).where('entity', '=', entity).where('record_id', '=', recordId).execute();
  const key = (system: string, id: string) => `${system}\u0000${id}`;
  const storedKeys = new Set(stored.map((row) => key(row.system, row.external_id)));
  if (stored.length === wanted.length && wanted.every((ref) => storedKeys.has(key(ref.system, ref.id)))) return false;
  await setExternalRefs(trx, entity, recordId, wanted);
  return true;
}

// --- Customers ---

export interface CustomerFields {
  name: string;
  code: string;
  currency: string;
  parentId?: string | null;
  billingAddress?: Address | null;
  taxId?: string | null;
  status?: CustomerStatus | null;
}

export interface CustomerPatch {
  name?: string | null;
  status?: CustomerStatus | null;
  /** null clears the parent; undefined leaves it. */
  parentId?: string | null;
  billingAddress?: Address | null;
  taxId?: string | null;
}

export async function checkParent(trx: Transaction<CrmDatabase>, customerId: string | null, parentId: string) {
  const parent = await trx.selectFrom('customer').select('id').where('id', '=', parentId).executeTakeFirst();
  if (!parent) throw notFound('Customer', parentId);
  if (customerId && (parentId === customerId || (await repo.customerAncestorIds(trx, parentId)).includes(customerId))) {
    throw badInput('parentId', 'a customer cannot be its own ancestor');
  }
}

export async function insertCustomer(
  w: CrmWrite,
  fields: CustomerFields,
  refs: readonly ExternalRef[],
  attach: AttachRefs = attachTo('Customer'),
): Promise<string> {
  const name = checkText('name', fields.name);
  const code = checkText('code', fields.code, 40);
  checkCurrency('currency', fields.currency);
  if (fields.parentId) await checkParent(w.trx, null, fields.parentId);
  const taken = await w.trx.selectFrom('customer').select('id').where('code', '=', code).executeTakeFirst();
  if (taken) throw new DomainError('CONFLICT', `customer code ${code} is already used`, { field: 'code' });
  const id = randomUUID();
  const now = w.clock.now();
  await w.trx
    .insertInto('customer')
    .values({
      id,
      name,
      code,
      status: fields.status ?? 'ACTIVE',
      currency: fields.currency,
      parent_id: fields.parentId ?? null,
      billing_address: toJson(canonicalAddress(fields.billingAddress)),
      tax_id: optionalText('taxId', fields.taxId),
      created_at: now,
      updated_at: now,
    })
    .execute();
  await attach(w.trx, id, refs);
  return id;
}

/** Changes what `patch` gives and differs; moves `updated_at` (what a mirror pulls by) only then. */
export async function patchCustomer(w: CrmWrite, current: CustomerRow, patch: CustomerPatch): Promise<boolean> {
  const next = {
    ...(patch.name != null ? { name: checkText('name', patch.name) } : {}),
    ...(patch.status != null ? { status: patch.status } : {}),
    ...(patch.parentId !== undefined ? { parent_id: patch.parentId } : {}),
    ...(patch.billingAddress !== undefined ? { billing_address: toJson(canonicalAddress(patch.billingAddress)) } : {}),
    ...(patch.taxId !== undefined ? { tax_id: optionalText('taxId', patch.taxId) } : {}),
  };
  const stored = { ...current, billing_address: toJson(canonicalAddress(current.billing_address)) };
  const changed = changedColumns<Record<string, unknown>>(stored, next) as Partial<typeof next>;
  if (!anyChanged(changed)) return false;
  if (changed.parent_id) await checkParent(w.trx, current.id, changed.parent_id);
  await w.trx.updateTable('customer').set({ ...changed, updated_at: w.clock.now() }).where('id', '=', current.id).execute();
  return true;
}

/** A customer's references changed: a mirror keeps them, so the customer counts as changed. */
export async function touchCustomer(w: CrmWrite, id: string) {
  await w.trx.updateTable('customer').set({ updated_at: w.clock.now() }).where('id', '=', id).execute();
}

// --- Contacts ---

export interface ContactFields {
  customerId: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  title?: string | null;
  isPrimary?: boolean | null;
}

export interface ContactPatch {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  title?: string | null;
  isPrimary?: boolean | null;
}

export async function insertContact(
  w: CrmWrite,
  fields: ContactFields,
  refs: readonly ExternalRef[],
  attach: AttachRefs = attachTo('Contact'),
): Promise<string> {
  const name = checkText('name', fields.name);
  const email = checkEmail('email', fields.email);
  const customer = await w.trx.selectFrom('customer').select('id').where('id', '=', fields.customerId).executeTakeFirst();
  if (!customer) throw notFound('Customer', fields.customerId);
  const id = randomUUID();
  await w.trx
    .insertInto('contact')
    .values({
      id,
      customer_id: fields.customerId,
      name,
      email,
      phone: optionalText('phone', fields.phone, 40),
      title: optionalText('title', fields.title),
      is_primary: fields.isPrimary ?? false,
    })
    .execute();
  await attach(w.trx, id, refs);
  return id;
}

export async function patchContact(w: CrmWrite, current: ContactRow, patch: ContactPatch): Promise<boolean> {
  const next = {
    ...(patch.name != null ? { name: checkText('name', patch.name) } : {}),
    ...(patch.email !== undefined ? { email: checkEmail('email', patch.email) } : {}),
    ...(patch.phone !== undefined ? { phone: optionalText('phone', patch.phone, 40) } : {}),
    ...(patch.title !== undefined ? { title: optionalText('title', patch.title) } : {}),
    ...(patch.isPrimary != null ? { is_primary: patch.isPrimary } : {}),
  };
  const changed = changedColumns<Record<string, unknown>>(current, next);
  if (!anyChanged(changed)) return false;
  await w.trx.updateTable('contact').set({ ...changed, updated_at: w.clock.now() }).where('id', '=', current.id).execute();
  return true;
}

// --- Contracts and their rate cards ---

export interface ContractFields {
  customerId: string;
  number: string;
  name: string;
  billingMethod: BillingMethod;
  currency: string;
  legalEntityId: string;
  soldHours?: string | null;
  amount?: string | null;
  notToExceed?: string | null;
  startDate: string;
  endDate?: string | null;
  status?: ContractStatus | null;
  rates?: readonly ResolvedRate[] | null;
  opportunityId?: string | null;
}

export interface ContractPatch {
  name?: string | null;
  status?: ContractStatus | null;
  notToExceed?: string | null;
  fixedFeeMethod?: FixedFeeMethod | null;
}

export async function insertRates(trx: Transaction<CrmDatabase>, rateCardId: string, rates: readonly CardRate[]) {
  if (rates.length === 0) return;
  await trx
    .insertInto('rate_card_rate')
    .values(
      rates.map((rate) => ({
        id: randomUUID(),
        rate_card_id: rateCardId,
        role_id: rate.roleId,
        bill_rate: rate.billRate,
        effective_from: rate.effectiveFrom,
        effective_to: rate.effectiveTo,
      })),
    )
    .execute();
}

/** A contract with its rate card; publishes `crm.contract.created` (erp prepares its billing setup from it). */
export async function insertContract(
  w: CrmWrite,
  input: ContractFields,
  refs: readonly ExternalRef[] = [],
  attach: AttachRefs = attachTo('Contract'),
): Promise<{ contractId: string; rateCardId: string; ratedRoleIds: string[] }> {
  const { trx } = w;
  const number = checkText('number', input.number, 40);
  checkCurrency('currency', input.currency);
  checkDate('startDate', input.startDate);
  if (input.endDate != null) checkDate('endDate', input.endDate);
  checkDateRange('startDate', input.startDate, 'endDate', input.endDate);
  const rates = checkRates(input.rates ?? []);
  assertNoOverlap([], rates);
  const customer = await trx.selectFrom('customer').select('id').where('id', '=', input.customerId).executeTakeFirst();
  if (!customer) throw notFound('Customer', input.customerId);
  const taken = await trx.selectFrom('contract').select('id').where('number', '=', number).executeTakeFirst();
  if (taken) throw new DomainError('CONFLICT', `contract number ${number} is already used`, { field: 'number' });
  const contractId = randomUUID();
  const rateCardId = randomUUID();
  const contract = {
    id: contractId,
    number,
    name: checkText('name', input.name),
    customer_id: input.customerId,
    billing_method: input.billingMethod,
    currency: input.currency,
    legal_entity_id: checkText('legalEntityId', input.legalEntityId),
    sold_hours: hours('soldHours', input.soldHours),
    amount: money('amount', input.amount),
    not_to_exceed: money('notToExceed', input.notToExceed),
    fixed_fee_method: null,
    start_date: input.startDate,
    end_date: input.endDate ?? null,
    status: input.status ?? 'ACTIVE',
    opportunity_id: input.opportunityId ?? null,
  };
  await trx.insertInto('contract').values(contract).execute();
  await trx.insertInto('rate_card').values({ id: rateCardId, contract_id: contractId, currency: input.currency }).execute();
  await insertRates(trx, rateCardId, rates);
  await attach(trx, contractId, refs);
  const ratedRoleIds = [...new Set(rates.map((rate) => rate.roleId))];
  await recordAudit(trx, w.scope, {
    entityType: 'Contract',
    entityId: contractId,
    operation: 'createContract',
    before: null,
    after: { ...contract, rateCardId, rates },
  });
  await appendToOutbox(trx, [
    createEvent<ContractCreated>('crm', crmTopics.contractCreated, { typename: 'Contract', id: contractId }, {
      contractId,
      rateCardId,
      customerId: input.customerId,
      legalEntityId: input.legalEntityId,
      billingMethod: input.billingMethod,
      currency: input.currency,
      startDate: input.startDate,
      endDate: input.endDate ?? null,
      ratedRoleIds,
      amount: money('amount', input.amount),
      notToExceed: money('notToExceed', input.notToExceed),
    }, w.scope, w.clock.now()),
  ]);
  return { contractId, rateCardId, ratedRoleIds };
}

/**
 * Changes a contract's terms in place (name, status, cap, a fixed fee's method); when something changed, publishes
 * `crm.contract.updated` (erp follows its cap) in the same transaction.
 */
export async function patchContract(w: CrmWrite, current: ContractRow, patch: ContractPatch): Promise<boolean> {
  const id = current.id;
  const next = {
    name: patch.name != null ? checkText('name', patch.name) : current.name,
    status: patch.status ?? current.status,
    not_to_exceed: patch.notToExceed !== undefined ? money('notToExceed', patch.notToExceed) : current.not_to_exceed,
    fixed_fee_method: patch.fixedFeeMethod !== undefined ? patch.fixedFeeMethod : current.fixed_fee_method,
  };
  if (next.fixed_fee_method !== null && current.billing_method !== 'FIXED_FEE') {
    throw badInput('fixedFeeMethod', `only a FIXED_FEE contract has a fixed-fee method; this one is ${current.billing_method}`);
  }
  const capDiffers = (a: string | null, b: string | null) => (a === null || b === null ? a !== b : compareDecimals(String(a), String(b)) !== 0);
  const changed = [
    ...(next.name !== current.name ? ['name'] : []),
    ...(next.status !== current.status ? ['status'] : []),
    ...(capDiffers(next.not_to_exceed, current.not_to_exceed) ? ['notToExceed'] : []),
    ...(next.fixed_fee_method !== current.fixed_fee_method ? ['fixedFeeMethod'] : []),
  ];
  if (changed.length === 0) return false;
  await w.trx.updateTable('contract').set({ ...next, updated_at: w.clock.now() }).where('id', '=', id).execute();
  const after = { ...current, ...next };
  await recordAudit(w.trx, w.scope, { entityType: 'Contract', entityId: id, operation: 'updateContract', before: current, after });
  // erp keeps the cap (and more) from this event: published through the outbox, in the update's transaction.
  await appendToOutbox(w.trx, [
    createEvent<ContractUpdated>('crm', crmTopics.contractUpdated, { typename: 'Contract', id }, {
      contractId: id,
      status: next.status,
      currency: current.currency,
      amount: current.amount === null ? null : String(current.amount),
      notToExceed: next.not_to_exceed === null ? null : String(next.not_to_exceed),
      fixedFeeMethod: next.fixed_fee_method,
      changed,
    }, { correlationId: w.scope.correlationId }, w.clock.now()),
  ]);
  return true;
}

/** Adds rates to a card (locked first, so two concurrent additions cannot both pass the overlap check). */
export async function addRates(w: CrmWrite, rateCardId: string, rates: readonly ResolvedRate[]) {
  const checked = checkRates(rates);
  const card = await repo.lockRateCard(w.trx, rateCardId);
  if (!card) throw notFound('RateCard', rateCardId);
  const existing = await repo.ratesByRateCards(w.trx, [rateCardId]);
  assertNoOverlap(
    existing.map((row) => ({ roleId: row.role_id, effectiveFrom: row.effective_from, effectiveTo: row.effective_to })),
    checked,
  );
  await insertRates(w.trx, rateCardId, checked);
  await recordAudit(w.trx, w.scope, {
    entityType: 'RateCard',
    entityId: rateCardId,
    operation: 'addRateCardRate',
    before: { rates: existing.map(auditedRate) },
    after: { rates: [...existing.map(auditedRate), ...checked] },
  });
}

/** A stored rate as the audit log shows it (the same fields as a rate being written). */
const auditedRate = (row: { role_id: string; bill_rate: unknown; effective_from: string; effective_to: string | null }): CardRate => ({
  roleId: row.role_id,
  billRate: roundDecimal(String(row.bill_rate), 2),
  effectiveFrom: row.effective_from,
  effectiveTo: row.effective_to,
});

/** Sets a (locked) card's rates to exactly `rates` (rule: domain/rate-card.ts `rateChanges`); says whether any changed. */
export async function setRates(w: CrmWrite, rateCardId: string, rates: readonly ResolvedRate[]): Promise<boolean> {
  const wanted = checkRates(rates);
  assertNoOverlap([], wanted);
  const stored = (await repo.ratesByRateCards(w.trx, [rateCardId])).map((row) => ({
    id: row.id,
    roleId: row.role_id,
    billRate: roundDecimal(String(row.bill_rate), 2),
    effectiveFrom: row.effective_from,
    effectiveTo: row.effective_to,
  }));
  const { removed, added } = rateChanges(stored, wanted);
  if (removed.length === 0 && added.length === 0) return false;
  if (removed.length > 0) await w.trx.deleteFrom('rate_card_rate').where('id', 'in', removed.map((rate) => rate.id)).execute();
  await insertRates(w.trx, rateCardId, added);
  const asAudited = ({ id: _id, ...rate }: CardRate & { id?: string }) => rate;
  await recordAudit(w.trx, w.scope, {
    entityType: 'RateCard',
    entityId: rateCardId,
    operation: 'setRateCardRates',
    before: { rates: stored.map(asAudited) },
    after: { rates: wanted },
  });
  return true;
}
