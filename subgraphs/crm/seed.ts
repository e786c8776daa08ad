import type { Kysely } from 'kysely';
import { toJson } from '../../lib/db/types.ts';
import { chunked } from '../../lib/seed/chunked.ts';
import type { DemoFirm } from '../../lib/seed/demo-firm.ts';
import type { CrmDatabase } from './tables.ts';

/** Writes crm's slice of the demo firm: customers, contacts, opportunities, contracts and rate cards. */
export async function seedCrm(db: Kysely<CrmDatabase>, firm: DemoFirm): Promise<void> {
  // Parents before children: the parent_id foreign key is checked row by row.
  const customers = [...firm.customers].sort((a, b) => Number(a.parentId !== null) - Number(b.parentId !== null));
  for (const batch of chunked(customers)) {
    await db
      .insertInto('customer')
      .values(
        batch.map((customer) => ({
          id: customer.id,
          name: customer.name,
          code: customer.code,
          status: 'ACTIVE' as const,
          currency: customer.currency,
          parent_id: customer.parentId,
          billing_address: toJson(customer.billingAddress),
          tax_id: customer.taxId,
        })),
      )
      .execute();
  }
  for (const batch of chunked(firm.contacts)) {
    await db
      .insertInto('contact')
      .values(
        batch.map((contact) => ({
          id: contact.id,
          customer_id: contact.customerId,
          name: contact.name,
          email: contact.email,
          phone: null,
          title: contact.title,
          is_primary: contact.isPrimary,
        })),
      )
      .execute();
  }
  for (const batch of chunked(firm.contracts)) {
    await db
      .insertInto('contract')
      .values(
        batch.map((contract) => ({
          id: contract.id,
          number: contract.number,
          name: contract.name,
          customer_id: contract.customerId,
          billing_method: contract.billingMethod,
          currency: contract.currency,
          legal_entity_id: contract.legalEntityId,
          sold_hours: contract.soldHours,
          amount: contract.amount,
          not_to_exceed: contract.notToExceed,
          fixed_fee_method: null,
          start_date: contract.startDate,
          end_date: contract.endDate,
          status: contract.status,
          opportunity_id: contract.opportunityId,
        })),
      )
      .execute();
    await db
      .insertInto('rate_card')
      .values(batch.map((contract) => ({ id: contract.rateCardId, contract_id: contract.id, currency: contract.currency })))
      .execute();
  }
  const rates = firm.contracts.flatMap((contract) =>
    contract.rates.map((rate, index) => ({
      id: `${contract.rateCardId.slice(0, 24)}${String(index).padStart(12, '0')}`,
      rate_card_id: contract.rateCardId,
      role_id: rate.roleId,
      bill_rate: rate.billRate,
      effective_from: rate.effectiveFrom,
      effective_to: rate.effectiveTo,
    })),
  );
  for (const batch of chunked(rates)) await db.insertInto('rate_card_rate').values(batch).execute();
  for (const batch of chunked(firm.opportunities)) {
    await db
      .insertInto('opportunity')
      .values(
        batch.map((opportunity) => ({
          id: opportunity.id,
          customer_id: opportunity.customerId,
          name: opportunity.name,
          stage: opportunity.stage,
          probability: opportunity.probability,
          amount: opportunity.amount,
          currency: opportunity.amount ? opportunity.currency : null,
          billing_method: opportunity.billingMethod,
          legal_entity_id: opportunity.legalEntityId,
          expected_close_date: opportunity.expectedCloseDate,
          expected_start_date: opportunity.expectedStartDate,
          expected_end_date: opportunity.expectedEndDate,
          estimated_hours: toJson(opportunity.estimatedHours),
          closed_at: opportunity.stage.startsWith('CLOSED') ? new Date(`${opportunity.expectedCloseDate}T12:00:00Z`) : null,
          lost_reason: opportunity.stage === 'CLOSED_LOST' ? 'Lost on price' : null,
          contract_id: opportunity.contractId,
        })),
      )
      .execute();
  }
}
