import type { Transaction } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import { compareDecimals } from '../../lib/decimal.ts';
import { badInput, DomainError, notFound } from '../../lib/errors.ts';
import {
  attachExternalRefs,
  checkExternalRef,
  checkExternalRefs,
  externalRefKey,
  recordIdsByRefs,
  resolveRecordId,
  type ExternalRef,
} from '../../lib/external-refs.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import type { transactionalWriter } from '../../lib/idempotency.ts';
import { checkBatchSize, upsertEach, type UpsertOutcome } from '../../lib/upsert.ts';
import type { HcmIds, HcmRefs } from './hcm-refs.ts';
import { hcmRefsOf, resolvedRates, type RateInput } from './input-refs.ts';
import * as repo from './repository.ts';
import type { Address, BillingMethod, ContractStatus, CrmDatabase, CustomerStatus } from './tables.ts';
import {
  insertContact,
  insertContract,
  insertCustomer,
  patchContact,
  patchContract,
  patchCustomer,
  salesRoles,
  setRates,
  touchCustomer,
  type AttachRefs,
  type CrmWrite,
} from './writes.ts';

interface UpsertKey {
  /** The key: the record holding this reference is the one the input is about. */
  externalRef: ExternalRef;
  /** An existing record to give the reference (one an import matched by name). */
  id?: string | null;
  /** More references to add beside the key. */
  externalRefs?: ExternalRef[] | null;
}

export interface CustomerUpsertInput extends UpsertKey {
  name?: string | null;
  code?: string | null;
  currency?: string | null;
  parentId?: string | null;
  parentRef?: ExternalRef | null;
  billingAddress?: Address | null;
  taxId?: string | null;
  status?: CustomerStatus | null;
}

export interface ContactUpsertInput extends UpsertKey {
  customerId?: string | null;
  customerRef?: ExternalRef | null;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  title?: string | null;
  isPrimary?: boolean | null;
}

export interface ContractUpsertInput extends UpsertKey {
  customerId?: string | null;
  customerRef?: ExternalRef | null;
  number?: string | null;
  name?: string | null;
  billingMethod?: BillingMethod | null;
  currency?: string | null;
  legalEntityId?: string | null;
  legalEntityRef?: ExternalRef | null;
  soldHours?: string | null;
  amount?: string | null;
  notToExceed?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  status?: ContractStatus | null;
  rates?: RateInput[] | null;
}

export interface RateCardUpsertInput {
  externalRef: ExternalRef;
  id?: string | null;
  contractId?: string | null;
  contractRef?: ExternalRef | null;
  rates?: RateInput[] | null;
}

type Applied = { outcome: Exclude<UpsertOutcome, 'REFUSED'>; id: string };

/** A field a new record cannot do without: BAD_USER_INPUT naming it. */
function required<T>(field: string, value: T | null | undefined, entity: string): T {
  if (value == null) throw badInput(field, `a new ${entity} needs it`);
  return value;
}

/** A field given for an existing record that the upsert may not change: refused when it differs, ignored when equal. */
function unchanged(field: string, given: string | null | undefined, stored: string | null, why: string, same = (a: string, b: string) => a === b) {
  if (given === undefined) return;
  if (given === null ? stored !== null : stored === null || !same(given, stored)) throw badInput(field, why);
}

const sameDecimal = (a: string, b: string) => compareDecimals(a, String(b)) === 0;

/**
 * Who holds a batch's keys: asked in one statement for the whole batch, then kept up to date as its inputs attach
 * references (an input sees the earlier inputs' writes). An input notes what it attached only once all its writes
 * are done, so a refused input, rolled back to its savepoint, leaves nothing here either.
 */
class BatchKeys {
  private constructor(
    private readonly entity: string,
    /** The keys the batch asked about; those absent from `holders` were held by no record then. */
    private readonly asked: ReadonlySet<string>,
    private readonly holders: Map<string, string>,
  ) {}

  static async of(trx: Transaction<CrmDatabase>, entity: string, inputs: ReadonlyArray<{ externalRef: ExternalRef }>) {
    const keys = inputs.flatMap((input) => {
      try {
        return [checkExternalRef('externalRef', input.externalRef)];
      } catch {
        return []; // refused with its input
      }
    });
    const holders = await recordIdsByRefs(trx, entity, keys);
    return new BatchKeys(entity, new Set(keys.map(externalRefKey)), holders);
  }

  /**
   * The record an upsert input is about: the one holding its key, else the one `id` names (it gets the key), else none
   * (the input creates one). A key held by another record than `id` is CONFLICT.
   */
  target(input: { externalRef: ExternalRef; id?: string | null }) {
    const key = checkExternalRef('externalRef', input.externalRef);
    const holder = this.holders.get(externalRefKey(key));
    if (holder && input.id != null && input.id !== holder) {
      throw new DomainError('CONFLICT', `${this.entity} ${holder} already has the external reference ${externalRefKey(key)}`, {
        field: 'externalRef',
        recordId: holder,
      });
    }
    return { key, id: holder ?? input.id ?? null };
  }

  /** Gives the record the references it does not hold yet (lib `attachExternalRefs`); none missing: no SQL at all. */
  async attach(trx: Transaction<CrmDatabase>, recordId: string, refs: readonly ExternalRef[]): Promise<boolean> {
    const checked = checkExternalRefs('externalRefs', refs);
    if (checked.every((ref) => this.holders.get(externalRefKey(ref)) === recordId)) return false;
    return attachExternalRefs(trx, this.entity, recordId, checked);
  }

  /**
   * A new record's references: when the batch asked about each and none is held, inserted without asking again (the
   * table's keys still refuse a reference another transaction took meanwhile); else as `attach` does.
   */
  readonly attachToNew: AttachRefs = async (trx, recordId, refs) => {
    const checked = checkExternalRefs('externalRefs', refs);
    if (!checked.every((ref) => this.asked.has(externalRefKey(ref)) && !this.holders.has(externalRefKey(ref)))) {
      return attachExternalRefs(trx, this.entity, recordId, checked);
    }
    const rows = checked.map((ref) => ({ entity: this.entity, system: ref.system, external_id: ref.id, record_id: recordId }));
    if (rows.length === 0) return;
    try {
      await trx.insertInto('external_ref').values(rows).execute();
    } catch (error) {
      // Another request gave a record one of these references after the batch asked: refused as the table refused it.
      if ((error as { code?: string }).code !== '23505') throw error;
      throw new DomainError('CONFLICT', `another ${this.entity} took one of ${checked.map(externalRefKey).join(', ')} meanwhile`, { field: 'externalRef' });
    }
  };

  /** The input's writes are done: its references are held. */
  note(recordId: string, refs: readonly ExternalRef[]) {
    for (const ref of checkExternalRefs('externalRefs', refs)) this.holders.set(externalRefKey(ref), recordId);
  }
}

/** The record an optional reference field names: undefined when the input names none (a patch leaves it). */
async function namedRecord(trx: Transaction<CrmDatabase>, entity: string, field: string, given: { id?: string | null; ref?: ExternalRef | null }) {
  if (given.id === undefined && given.ref == null) return undefined;
  if (given.id === null && given.ref == null) return null;
  return resolveRecordId(trx, entity, field, given);
}

const outcomeOf = (created: boolean, changed: boolean): Applied['outcome'] => (created ? 'CREATED' : changed ? 'UPDATED' : 'UNCHANGED');

async function upsertCustomer(w: CrmWrite, keys: BatchKeys, input: CustomerUpsertInput): Promise<Applied> {
  const { key, id } = keys.target(input);
  const refs = [key, ...(input.externalRefs ?? [])];
  const parentId = await namedRecord(w.trx, 'Customer', 'parent', { id: input.parentId, ref: input.parentRef });
  if (id == null) {
    const fields = {
      name: required('name', input.name, 'customer'),
      code: required('code', input.code, 'customer'),
      currency: required('currency', input.currency, 'customer'),
      parentId,
      billingAddress: input.billingAddress,
      taxId: input.taxId,
      status: input.status,
    };
    const created = await insertCustomer(w, fields, refs, keys.attachToNew);
    keys.note(created, refs);
    return { outcome: 'CREATED', id: created };
  }
  const current = await repo.lockCustomer(w.trx, id);
  if (!current) throw notFound('Customer', id);
  unchanged('code', input.code, current.code, "a customer's code does not change");
  unchanged('currency', input.currency, current.currency, "a customer's currency does not change");
  const { name, status, billingAddress, taxId } = input;
  const changed = await patchCustomer(w, current, { name, status, parentId, billingAddress, taxId });
  const refsAdded = await keys.attach(w.trx, id, refs);
  if (refsAdded && !changed) await touchCustomer(w, id);
  keys.note(id, refs);
  return { outcome: outcomeOf(false, changed || refsAdded), id };
}

async function upsertContact(w: CrmWrite, keys: BatchKeys, input: ContactUpsertInput): Promise<Applied> {
  const { key, id } = keys.target(input);
  const refs = [key, ...(input.externalRefs ?? [])];
  const customerId = await namedRecord(w.trx, 'Customer', 'customer', { id: input.customerId, ref: input.customerRef });
  const { name, email, phone, title, isPrimary } = input;
  if (id == null) {
    const fields = { customerId: required('customerId', customerId, 'contact'), name: required('name', name, 'contact'), email, phone, title, isPrimary };
    const created = await insertContact(w, fields, refs, keys.attachToNew);
    keys.note(created, refs);
    return { outcome: 'CREATED', id: created };
  }
  const current = await repo.lockContact(w.trx, id);
  if (!current) throw notFound('Contact', id);
  unchanged('customerId', customerId, current.customer_id, 'a contact does not move to another customer');
  const changed = await patchContact(w, current, { name, email, phone, title, isPrimary });
  const refsAdded = await keys.attach(w.trx, id, refs);
  keys.note(id, refs);
  return { outcome: outcomeOf(false, changed || refsAdded), id };
}

async function upsertContract(w: CrmWrite, keys: BatchKeys, hcm: HcmIds, input: ContractUpsertInput): Promise<Applied> {
  const { key, id } = keys.target(input);
  const refs = [key, ...(input.externalRefs ?? [])];
  const customerId = await namedRecord(w.trx, 'Customer', 'customer', { id: input.customerId, ref: input.customerRef });
  const legalEntityId = input.legalEntityId === undefined && input.legalEntityRef == null
    ? undefined
    : hcm.idOf('LegalEntity', 'legalEntity', { id: input.legalEntityId, ref: input.legalEntityRef });
  const rates = input.rates == null ? null : resolvedRates(hcm, input.rates);
  if (id == null) {
    const fields = {
      customerId: required('customerId', customerId, 'contract'),
      number: required('number', input.number, 'contract'),
      name: required('name', input.name, 'contract'),
      billingMethod: required('billingMethod', input.billingMethod, 'contract'),
      currency: required('currency', input.currency, 'contract'),
      legalEntityId: required('legalEntityId', legalEntityId, 'contract'),
      startDate: required('startDate', input.startDate, 'contract'),
      soldHours: input.soldHours,
      amount: input.amount,
      notToExceed: input.notToExceed,
      endDate: input.endDate,
      status: input.status,
      rates,
    };
    const { contractId } = await insertContract(w, fields, refs, keys.attachToNew);
    keys.note(contractId, refs);
    return { outcome: 'CREATED', id: contractId };
  }
  const current = await repo.lockContract(w.trx, id);
  if (!current) throw notFound('Contract', id);
  const fixed = (field: string) => `a contract's ${field} does not change`;
  unchanged('number', input.number, current.number, fixed('number'));
  unchanged('customerId', customerId, current.customer_id, fixed('customer'));
  unchanged('billingMethod', input.billingMethod, current.billing_method, fixed('billing method'));
  unchanged('currency', input.currency, current.currency, fixed('currency'));
  unchanged('legalEntityId', legalEntityId, current.legal_entity_id, fixed('legal entity'));
  unchanged('startDate', input.startDate, current.start_date, fixed('start date'));
  unchanged('soldHours', input.soldHours, current.sold_hours, 'sold hours change by amendContract', sameDecimal);
  unchanged('amount', input.amount, current.amount, 'the amount changes by amendContract', sameDecimal);
  unchanged('endDate', input.endDate, current.end_date, 'the end date changes by amendContract');
  const changed = await patchContract(w, current, { name: input.name, status: input.status, notToExceed: input.notToExceed });
  let ratesChanged = false;
  if (rates != null) {
    const card = await repo.lockRateCardOfContract(w.trx, id);
    if (!card) throw notFound('RateCard', `of contract ${id}`);
    ratesChanged = await setRates(w, card.id, rates);
  }
  const refsAdded = await keys.attach(w.trx, id, refs);
  keys.note(id, refs);
  return { outcome: outcomeOf(false, changed || ratesChanged || refsAdded), id };
}

async function upsertRateCard(w: CrmWrite, keys: BatchKeys, hcm: HcmIds, input: RateCardUpsertInput): Promise<Applied> {
  const { key, id } = keys.target(input);
  const contractId = await namedRecord(w.trx, 'Contract', 'contract', { id: input.contractId, ref: input.contractRef });
  const rates = input.rates == null ? null : resolvedRates(hcm, input.rates);
  let card;
  if (id == null) {
    // A rate card comes with its contract: a new reference names the contract whose card it is.
    if (contractId == null) throw badInput('contractId', 'a rate card comes with its contract: give the contractId or the contractRef');
    card = await repo.lockRateCardOfContract(w.trx, contractId);
    if (!card) throw notFound('Contract', contractId);
  } else {
    card = await repo.lockRateCard(w.trx, id);
    if (!card) throw notFound('RateCard', id);
    unchanged('contractId', contractId, card.contract_id, 'a rate card belongs to its contract');
  }
  const ratesChanged = rates == null ? false : await setRates(w, card.id, rates);
  const refsAdded = await keys.attach(w.trx, card.id, [key]);
  keys.note(card.id, [key]);
  return { outcome: outcomeOf(false, ratesChanged || refsAdded), id: card.id };
}

type Writer = ReturnType<typeof transactionalWriter<CrmDatabase>>;

/**
 * crm's bulk upserts (issue 17): each input in its own savepoint (lib/upsert.ts), through the same writes as the
 * single-record mutations, so a new record is checked and published as `create*` does and a changed one as `update*`
 * does. An input equal to what is stored writes and publishes nothing.
 */
export function createCrmUpserts(deps: { write: Writer; writing: (trx: Transaction<CrmDatabase>, scope: RequestScope) => CrmWrite; hcmRefs: HcmRefs }) {
  const { write, writing, hcmRefs } = deps;
  return {
    async upsertCustomers(scope: RequestScope, inputs: CustomerUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, ...salesRoles);
      checkBatchSize(inputs);
      return write(scope, 'upsertCustomers', idempotencyKey, inputs, async (trx) => {
        const keys = await BatchKeys.of(trx, 'Customer', inputs);
        return upsertEach(trx, inputs, (input) => upsertCustomer(writing(trx, scope), keys, input));
      });
    },

    async upsertContacts(scope: RequestScope, inputs: ContactUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, ...salesRoles);
      checkBatchSize(inputs);
      return write(scope, 'upsertContacts', idempotencyKey, inputs, async (trx) => {
        const keys = await BatchKeys.of(trx, 'Contact', inputs);
        return upsertEach(trx, inputs, (input) => upsertContact(writing(trx, scope), keys, input));
      });
    },

    async upsertContracts(scope: RequestScope, inputs: ContractUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      checkBatchSize(inputs);
      const hcm = await hcmRefs.resolve(hcmRefsOf(inputs), scope);
      return write(scope, 'upsertContracts', idempotencyKey, inputs, async (trx) => {
        const keys = await BatchKeys.of(trx, 'Contract', inputs);
        return upsertEach(trx, inputs, (input) => upsertContract(writing(trx, scope), keys, hcm, input));
      });
    },

    async upsertRateCards(scope: RequestScope, inputs: RateCardUpsertInput[], idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      checkBatchSize(inputs);
      const hcm = await hcmRefs.resolve(hcmRefsOf(inputs), scope);
      return write(scope, 'upsertRateCards', idempotencyKey, inputs, async (trx) => {
        const keys = await BatchKeys.of(trx, 'RateCard', inputs);
        return upsertEach(trx, inputs, (input) => upsertRateCard(writing(trx, scope), keys, hcm, input));
      });
    },
  };
}
