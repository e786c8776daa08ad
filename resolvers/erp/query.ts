import { pacedList } from '../../lib/cooperative.ts';
import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { QueryResolvers } from './types.generated.ts';

/** Every read goes through `erpQueries`, which checks the caller's role first. */
export const Query: QueryResolvers = {
  invoice: (_, { id }, { erpQueries }) => erpQueries.invoice(id),
  invoices: (_, args, { erpQueries }, info) => erpQueries.invoices(pageArgsOf(args, info)),
  invoiceLine: (_, { id }, { erpQueries }) => erpQueries.invoiceLine(id),
  creditNote: (_, { id }, { erpQueries }) => erpQueries.creditNote(id),
  creditNotes: (_, args, { erpQueries }, info) => erpQueries.creditNotes(pageArgsOf(args, info)),
  payment: (_, { id }, { erpQueries }) => erpQueries.payment(id),
  payments: (_, args, { erpQueries }, info) => erpQueries.payments(pageArgsOf(args, info)),
  billingEvent: (_, { id }, { erpQueries }) => erpQueries.billingEvent(id),
  billingEvents: (_, args, { erpQueries }, info) => erpQueries.billingEvents(pageArgsOf(args, info)),
  costPosting: (_, { id }, { erpQueries }) => erpQueries.costPosting(id),
  costPostings: (_, args, { erpQueries }, info) => erpQueries.costPostings(pageArgsOf(args, info)),
  taxRate: (_, { id }, { erpQueries }) => erpQueries.taxRate(id),
  taxRates: (_, args, { erpQueries }, info) => erpQueries.taxRates(pageArgsOf(args, info)),
  fxRate: (_, { id }, { erpQueries }) => erpQueries.fxRate(id),
  fxRates: (_, args, { erpQueries }, info) => erpQueries.fxRates(pageArgsOf(args, info)),
  billingSetup: (_, { contractId }, { erpQueries }) => erpQueries.billingSetupOfContract(contractId),
  billingSetupById: (_, { id }, { erpQueries }) => erpQueries.billingSetup(id),
  billingSetups: (_, args, { erpQueries }, info) => erpQueries.billingSetups(pageArgsOf(args, info)),
  revenueSchedule: (_, args, { erpQueries }) => erpQueries.revenueSchedule(args),
  unbilledWork: async (_, args, { kpis }) => pacedList(await kpis.unbilledWork(args)),
  invoiceCycleTime: async (_, args, { kpis }) => pacedList(await kpis.invoiceCycleTime(args)),
};
