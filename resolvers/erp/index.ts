import { scalarResolvers } from '../../lib/graphql/scalars.ts';
import { BillingEvent } from './billing-event.ts';
import { BillingScheduleLine, BillingSetup } from './billing-setup.ts';
import { Contract } from './contract.ts';
import { CostPosting } from './cost-posting.ts';
import { CreditNote, CreditNoteLine } from './credit-note.ts';
import { Customer } from './customer.ts';
import { ExpenseBilling, ExpenseEntry } from './expense-entry.ts';
import { Invoice, InvoiceLine, InvoiceLineGroup } from './invoice.ts';
import { Mutation } from './mutation.ts';
import { Payment } from './payment.ts';
import { Project } from './project.ts';
import { Query } from './query.ts';
import { RevenueRow } from './revenue-schedule.ts';
import {
  ReconciliationException,
  ReconciliationRedriveItem,
  ReconciliationRun,
  ReconciliationSubject,
  reconciliationMutation,
  reconciliationQuery,
} from './reconciliation.ts';
import { AmountChange, AmountSource, RateRule } from './explanation.ts';
import { FxRate } from './fx-rate.ts';
import { TaxRate } from './tax-rate.ts';
import { TimeEntry, TimeEntryBilling } from './time-entry.ts';
import type { Resolvers } from './types.generated.ts';

export const erpResolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...Query, ...reconciliationQuery },
  Mutation: { ...Mutation, ...reconciliationMutation },
  ReconciliationException,
  ReconciliationRun,
  ReconciliationRedriveItem,
  ReconciliationSubject,
  Invoice,
  InvoiceLine,
  InvoiceLineGroup,
  CreditNote,
  CreditNoteLine,
  Payment,
  BillingEvent,
  AmountSource,
  RateRule,
  AmountChange,
  CostPosting,
  RevenueRow,
  TaxRate,
  FxRate,
  BillingSetup,
  BillingScheduleLine,
  Customer,
  Contract,
  Project,
  TimeEntry,
  TimeEntryBilling,
  ExpenseEntry,
  ExpenseBilling,
};
