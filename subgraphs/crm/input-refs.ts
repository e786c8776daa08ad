import type { Transaction } from 'kysely';
import { badInput } from '../../lib/errors.ts';
import { resolveRecordId, type ExternalRef } from '../../lib/external-refs.ts';
import type { HcmIds } from './hcm-refs.ts';
import type { CrmDatabase, RoleEstimate } from './tables.ts';
import type { ResolvedRate } from './writes.ts';

/** Inputs name other records by id or by reference (`customerId` or `customerRef`); these turn them into ids. */

export interface RateInput {
  /** The role by hcm's id or by its reference in hcm: exactly one of them. */
  roleId?: string | null;
  roleRef?: ExternalRef | null;
  billRate: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
}

/** The references to hcm's records (roles, legal entities) that a batch of contract and rate inputs gives. */
export function hcmRefsOf(
  inputs: ReadonlyArray<{
    legalEntityRef?: ExternalRef | null;
    rates?: readonly RateInput[] | null;
    estimatedHours?: readonly RoleEstimateInput[] | null;
  }>,
) {
  const roleRefs = (items: ReadonlyArray<{ roleRef?: ExternalRef | null }> | null | undefined) => (items ?? []).flatMap((item) => (item.roleRef ? [item.roleRef] : []));
  return {
    Role: inputs.flatMap((input) => [...roleRefs(input.rates), ...roleRefs(input.estimatedHours)]),
    LegalEntity: inputs.flatMap((input) => (input.legalEntityRef ? [input.legalEntityRef] : [])),
  };
}

/** Rates with their roles as hcm's ids (`roleId`, or the role `roleRef` names). */
export function resolvedRates(ids: HcmIds, rates: readonly RateInput[]): ResolvedRate[] {
  return rates.map((rate, index) => {
    const roleId = ids.idOf('Role', `rates[${index}].role`, { id: rate.roleId, ref: rate.roleRef });
    if (roleId == null) throw badInput(`rates[${index}].roleId`, 'give the roleId or the roleRef');
    return { roleId, billRate: rate.billRate, effectiveFrom: rate.effectiveFrom, effectiveTo: rate.effectiveTo };
  });
}

/** An opportunity's estimated hours of a role, the role by hcm's id or by its reference in hcm. */
export interface RoleEstimateInput {
  roleId?: string | null;
  roleRef?: ExternalRef | null;
  hours: string;
}

export function resolvedEstimates(ids: HcmIds, estimates: readonly RoleEstimateInput[]): RoleEstimate[] {
  return estimates.map((estimate, index) => {
    const roleId = ids.idOf('Role', `estimatedHours[${index}].role`, { id: estimate.roleId, ref: estimate.roleRef });
    if (roleId == null) throw badInput(`estimatedHours[${index}].roleId`, 'give the roleId or the roleRef');
    return { roleId, hours: estimate.hours };
  });
}

/** The record an input names by id or by reference (`customerId` or `customerRef`); `required` refuses neither. */
export async function requiredRecordId(
  trx: Transaction<CrmDatabase>,
  entity: string,
  field: string,
  given: { id?: string | null; ref?: ExternalRef | null },
): Promise<string> {
  const id = await resolveRecordId(trx, entity, field, given);
  if (id == null) throw badInput(`${field}Id`, `give the ${field}Id or the ${field}Ref`);
  return id;
}

