import { toExternalRef } from '../../lib/external-refs.ts';
import type { ContactResolvers } from './types.generated.ts';

export const Contact: ContactResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.contact.load(ref.id),
  customer: async (contact, _, { loaders }) => (await loaders.customer.load(contact.customer_id))!,
  isPrimary: (contact) => contact.is_primary,
  externalRefs: async (contact, _, { loaders }) => (await loaders.contactRefs.load(contact.id)).map(toExternalRef),
};
