import type { Kysely } from 'kysely';
import type { Ordering } from '../../lib/graphql/connection.ts';
import { loaderByGroup, loaderById, pagedByParent } from '../../lib/graphql/loaders.ts';
import { externalRefLoader } from '../../lib/external-refs.ts';
import * as repo from './repository.ts';
import type { ContactRow, ContractRow, CrmDatabase, CustomerRow, OpportunityRow } from './tables.ts';

/** Stable orders of every crm list; the last column is unique so cursors never tie. */
export const orderings = {
  customer: { columns: ['name', 'id'], direction: 'asc' },
  contact: { columns: ['name', 'id'], direction: 'asc' },
  opportunity: { columns: ['created_at', 'id'], direction: 'desc' },
  contract: { columns: ['start_date', 'id'], direction: 'desc' },
} as const satisfies Record<string, Ordering>;

/** Per-request loaders: every reference and every list under a parent is one statement per batch. */
export function createCrmLoaders(db: Kysely<CrmDatabase>) {
  return {
    customer: loaderById((ids) => repo.customersByIds(db, ids)),
    contact: loaderById((ids) => repo.contactsByIds(db, ids)),
    opportunity: loaderById((ids) => repo.opportunitiesByIds(db, ids)),
    contract: loaderById((ids) => repo.contractsByIds(db, ids)),
    rateCard: loaderById((ids) => repo.rateCardsByIds(db, ids)),
    rateCardByContract: loaderByGroup((ids) => repo.rateCardsByContracts(db, ids), (row) => row.contract_id),
    ratesByRateCard: loaderByGroup((ids) => repo.ratesByRateCards(db, ids), (row) => row.rate_card_id),
    customerRefs: externalRefLoader(db, 'Customer'),
    contactRefs: externalRefLoader(db, 'Contact'),
    contractRefs: externalRefLoader(db, 'Contract'),
    rateCardRefs: externalRefLoader(db, 'RateCard'),
    amendmentsByContract: loaderByGroup((ids) => repo.amendmentsByContracts(db, ids), (row) => row.contract_id),
    childrenByCustomer: pagedByParent<CustomerRow, never>(db, 'parent_id', orderings.customer, () => repo.customersQuery(db)),
    contactsByCustomer: pagedByParent<ContactRow, never>(db, 'customer_id', orderings.contact, () => repo.contactsQuery(db)),
    opportunitiesByCustomer: pagedByParent<OpportunityRow, repo.OpportunityFilter>(db, 'customer_id', orderings.opportunity, (filter) =>
      repo.opportunitiesQuery(db, filter ?? {}),
    ),
    contractsByCustomer: pagedByParent<ContractRow, repo.ContractFilter>(db, 'customer_id', orderings.contract, (filter) =>
      repo.contractsQuery(db, filter ?? {}),
    ),
  };
}

export type CrmLoaders = ReturnType<typeof createCrmLoaders>;
