import type { Generated, Selectable } from 'kysely';
import type { Json } from '../../lib/db/types.ts';
import type { BillingBasis, CostBasis } from './domain/posting.ts';
import type { OutboxTables } from '../../lib/events/outbox.ts';
import type { IdempotencyTables } from '../../lib/idempotency.ts';

/** Same values as crm's BillingMethod (the enum is byte-identical in both schemas). */
export type BillingMethod = 'TIME_AND_MATERIALS' | 'FIXED_FEE' | 'MANAGED_SERVICES' | 'RETAINER';
export type InvoiceStatus = 'DRAFT' | 'ISSUED' | 'PARTIALLY_PAID' | 'PAID' | 'VOID';
/** What a billing event, invoice line or credit note line bills (SCHEDULE: a fixed-fee billing schedule line). */
export type BillingSourceType = 'TIME_ENTRY' | 'EXPENSE' | 'MILESTONE' | 'RECURRING_FEE' | 'RETAINER' | 'OVERAGE' | 'ADJUSTMENT' | 'SCHEDULE' | 'PERCENT_COMPLETE';

/** crm's fixed-fee method of a FIXED_FEE contract. */
export type FixedFeeMethod = 'MILESTONE' | 'SCHEDULE' | 'PERCENT_COMPLETE';
/** VOID: a draft credit note withdrawn (an issued one is a document and stays). */
export type CreditNoteStatus = 'DRAFT' | 'ISSUED' | 'VOID';
/**
 * INVOICED_EXTERNALLY: imported history that the firm's previous system invoiced (time's `invoicedExternally`): kept so
 * finance sees it, never drafted, and neither unbilled work nor psgraph's revenue.
 */
export type BillingEventStatus = 'UNBILLED' | 'BILLED' | 'REVERSED' | 'HELD' | 'INVOICED_EXTERNALLY';
export type CostSourceType = 'TIME_ENTRY' | 'EXPENSE';
export type RevenueMethod = 'AS_DELIVERED' | 'PERCENT_COMPLETE' | 'MILESTONE' | 'SCHEDULE' | 'RECURRING_FEE' | 'RETAINER_DRAWDOWN';
export type InvoiceGrouping = 'PER_ENTRY' | 'BY_PROJECT' | 'BY_ROLE' | 'BY_WORKER' | 'BY_TASK';
export type BillingSetupStatus = 'READY' | 'BLOCKED';
/** Numbered documents; each legal entity has its own gapless sequence per kind. */
export type DocumentKind = 'INVOICE' | 'CREDIT_NOTE';

/** Another subgraph's entity as erp sees it: only its key (plus the fields erp @requires). */
export interface EntityRef {
  id: string;
}
export interface ProjectRef extends EntityRef {
  budgetHours?: string | null;
  /** psa's manager of the project: their financials are theirs to read (domain/field-access.ts). */
  manager?: { id: string } | null;
}
/** A time entry with the fields erp @requires from time. */
export interface TimeEntryRef extends EntityRef {
  billable: boolean;
  status: 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED';
}
/** An expense with the fields erp @requires from time: the same as a time entry's. */
export type ExpenseEntryRef = TimeEntryRef;

export interface InvoiceTable {
  id: string;
  /** Null until issued; then `INV-000123`, unique within the legal entity. */
  number: string | null;
  legal_entity_id: string;
  customer_id: string;
  contract_id: string | null;
  currency: string;
  status: InvoiceStatus;
  period_start: string | null;
  period_end: string | null;
  issue_date: string | null;
  due_date: string | null;
  /** The tax rate applied, copied at drafting so a later master-data change never alters an invoice. */
  tax_rate_id: string | null;
  tax_rate_percent: string | null;
  /** The rate's rounding, copied at issue with it; null before. */
  tax_rounding: Generated<TaxRounding | null>;
  subtotal: string;
  tax_total: string;
  total: string;
  issued_at: Date | null;
  voided_at: Date | null;
  void_reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** How the invoice presents its lines, fixed at drafting (the setup's grouping or the draft's override). */
  grouping: Generated<InvoiceGrouping>;
}

export interface InvoiceLineTable {
  id: string;
  invoice_id: string;
  position: number;
  source_type: BillingSourceType;
  /** The billed record (time entry, expense, milestone, schedule line…); null only for ADJUSTMENT lines. */
  source_id: string | null;
  billing_event_id: string | null;
  project_id: string | null;
  description: string;
  quantity: string;
  unit_price: string;
  amount: string;
  currency: string;
  /** The name of what the invoice's grouping puts the line under (project, role, worker, task), read when drafted. */
  group_label: string | null;
  /**
   * Set when the line stops holding its source (its invoice was voided, or a credit note credited it), so the source
   * may be billed again; a unique index allows one unreleased line per source.
   */
  released_at: Date | null;
  created_at: Generated<Date>;
}

export interface CreditNoteTable {
  id: string;
  number: string | null;
  invoice_id: string;
  legal_entity_id: string;
  customer_id: string;
  currency: string;
  status: CreditNoteStatus;
  reason: string | null;
  total: string;
  issued_at: Date | null;
  created_at: Generated<Date>;
  /** Sum of the lines; tax at the invoice's rate (credit-notes.ts, rounding); total = subtotal + tax. */
  subtotal: Generated<string>;
  tax_total: Generated<string>;
  tax_rate_percent: string | null;
  issue_date: string | null;
  voided_at: Date | null;
  void_reason: string | null;
  updated_at: Generated<Date>;
}

export interface CreditNoteLineTable {
  id: string;
  credit_note_id: string;
  position: number;
  source_type: BillingSourceType;
  source_id: string | null;
  /** The invoice line this credits, when it credits one. */
  invoice_line_id: string | null;
  project_id: string | null;
  description: string;
  /** Positive: how much of the invoice line is credited (net of tax). */
  amount: string;
  currency: string;
  /** Why (finance's words, or the reversal that proposed it). */
  reason: string | null;
}

export interface PaymentTable {
  id: string;
  invoice_id: string;
  amount: string;
  currency: string;
  received_on: string;
  reference: string | null;
  created_at: Generated<Date>;
  /** A payment is never changed: its `created_at`, there for the change order of incremental pulls. */
  updated_at: Generated<Date>;
}

export interface BillingEventTable {
  id: string;
  source_type: BillingSourceType;
  source_id: string;
  contract_id: string;
  project_id: string | null;
  customer_id: string;
  legal_entity_id: string;
  /** Kept for invoice grouping (BY_WORKER, BY_ROLE, BY_TASK). */
  worker_id: string | null;
  role_id: string | null;
  task_id: string | null;
  date: string;
  description: string;
  hours: string | null;
  rate: string | null;
  amount: string;
  currency: string;
  /**
   * The event's currency → its legal entity's currency, effective on the event date, captured when the event was
   * written (or released from FX_RATE_MISSING); 1 when they are the same; null when no rate was known.
   */
  fx_rate: string | null;
  /** The legal entity's currency, when erp knew it as the event was written. */
  functional_currency: string | null;
  /** amount × fx_rate, rounded half-up to the functional currency's minor unit; null with fx_rate. */
  functional_amount: string | null;
  status: BillingEventStatus;
  held_reason: string | null;
  reversed_at: Date | null;
  created_at: Generated<Date>;
  /** Moved by every change a mirror must see: status, hold, release, reversal, drafting, an amount shared out. */
  updated_at: Generated<Date>;
  /** What priced it beyond these columns (domain/posting.ts BillingBasis); null when written before it was kept. */
  basis: Json<BillingBasis> | null;
}

export interface CostPostingTable {
  id: string;
  source_type: CostSourceType;
  source_id: string;
  worker_id: string | null;
  project_id: string;
  legal_entity_id: string;
  date: string;
  hours: string | null;
  cost_rate: string | null;
  amount: string;
  currency: string;
  /** Set on a reversal: the posting it cancels (its hours and amount are the negation). */
  reversal_of: string | null;
  /** Set on an original once reversed, which frees its source for a new posting. */
  reversed_at: Date | null;
  /** Billable time on a FIXED_FEE contract: the fee covers it, no billing event comes (TimeEntry.billing COVERED_BY_FEE). */
  covered_by_fee: Generated<boolean>;
  posted_at: Generated<Date>;
  /** `posted_at`, then when the posting was reversed. */
  updated_at: Generated<Date>;
  /** What priced it beyond these columns (domain/posting.ts CostBasis); null when written before it was kept. */
  basis: Json<CostBasis> | null;
}

/**
 * One change of a billing event's status, hold, amount or FX conversion, old and new values, written by the
 * `billing_event_change_trail` trigger in the changing statement's transaction; append-only.
 */
export interface BillingEventChangeTable {
  id: Generated<number>;
  billing_event_id: string;
  changed_at: Generated<Date>;
  old_status: BillingEventStatus;
  new_status: BillingEventStatus;
  old_held_reason: string | null;
  new_held_reason: string | null;
  old_amount: string;
  new_amount: string;
  old_fx_rate: string | null;
  new_fx_rate: string | null;
  old_functional_amount: string | null;
  new_functional_amount: string | null;
}

/**
 * Approved time erp could not cost (no cost rate on its date), while it stands: its hours still count as progress
 * (percent complete) and reconciliation reports it (MISSING_COST_RATE) until a cost posting follows.
 */
export interface UncostedTimeTable {
  id: string;
  /** The time entry. */
  source_id: string;
  worker_id: string;
  project_id: string;
  date: string;
  hours: string;
  recorded_at: Generated<Date>;
  /** Set when a cost posting followed (the worker's rate entered and the approval re-driven). */
  costed_at: Date | null;
  /** Set when the approval was taken back. */
  reversed_at: Date | null;
}

export interface TaxRateTable {
  id: string;
  legal_entity_id: string;
  /** ISO 3166 alpha-2 country of the customer; null is the legal entity's default rate. */
  customer_country: string | null;
  name: string;
  rate_percent: string;
  effective_from: string;
  effective_to: string | null;
  /** INVOICE: tax rounded once on the subtotal; LINE: on each line, then summed (migration 2026-12-02T2100). */
  tax_rounding: Generated<TaxRounding>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type TaxRounding = 'INVOICE' | 'LINE';

export interface BillingSetupTable {
  id: string;
  contract_id: string;
  rate_card_id: string | null;
  customer_id: string;
  legal_entity_id: string;
  currency: string;
  billing_method: BillingMethod;
  invoice_grouping: InvoiceGrouping;
  payment_terms_days: number;
  status: BillingSetupStatus;
  blocked_reason: string | null;
  /** Roles the contract's rate card prices, as crm announced them. */
  rated_role_ids: Json<string[]>;
  start_date: string;
  end_date: string | null;
  /** The contract's amount as crm announced it (created, then amended); null when crm set none. */
  contract_amount: string | null;
  /** The contract's not-to-exceed cap on everything billed under it (crm's), in the setup's currency; null: no cap. */
  not_to_exceed: string | null;
  /** Billable expenses bill at cost × (1 + this / 100); 0 by default. */
  expense_markup_percent: Generated<string>;
  /** crm's fixed-fee method (crm.contract.updated); null: not said. PERCENT_COMPLETE setups bill by runPercentCompleteBilling. */
  fixed_fee_method: Generated<FixedFeeMethod | null>;
  /** MANAGED_SERVICES / RETAINER terms (recurring-billing.ts): the fee per calendar month; null until set. */
  recurring_fee: Generated<string | null>;
  /** MANAGED_SERVICES: hours a month's fee includes, and the rate of the hours above them. */
  included_hours: Generated<string | null>;
  overage_rate: Generated<string | null>;
  /** RETAINER: what drawdowns beyond the balance become, an OVERAGE billing event UNBILLED (BILL) or HELD (HOLD). */
  overrun_policy: Generated<RetainerOverrunPolicy | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** One dated amount of a fixed-fee contract's billing schedule; released once into a billing event (source SCHEDULE). */
export interface BillingScheduleLineTable {
  id: string;
  billing_setup_id: string;
  contract_id: string;
  position: number;
  date: string;
  description: string;
  amount: string;
  currency: string;
  billing_event_id: string | null;
  released_at: Date | null;
  created_at: Generated<Date>;
}

export type RetainerOverrunPolicy = 'BILL' | 'HOLD';

/**
 * Approved billable hours on a MANAGED_SERVICES or RETAINER contract, recorded at approval instead of a per-entry
 * billing event (one live row per source). A retainer's row is also its drawdown: amount = hours × the frozen bill
 * rate = drawn (covered by the balance) + overrun (beyond it, billed by its OVERAGE billing event).
 */
export interface RecurringUsageTable {
  id: string;
  billing_setup_id: string;
  contract_id: string;
  billing_method: Extract<BillingMethod, 'MANAGED_SERVICES' | 'RETAINER'>;
  source_type: 'TIME_ENTRY';
  source_id: string;
  project_id: string;
  worker_id: string | null;
  date: string;
  hours: string;
  rate: string | null;
  amount: string | null;
  drawn: string | null;
  overrun: string | null;
  /** RETAINER: the hours the balance covered (hours × drawn ÷ amount, rounded half-up) and the rest, beyond it. */
  drawn_hours: string | null;
  overrun_hours: string | null;
  currency: string;
  overage_billing_event_id: string | null;
  /** Set when the source's approval was taken back: the hours no longer count and the drawdown returns. */
  reversed_at: Date | null;
  created_at: Generated<Date>;
}

export interface DocumentSequenceTable {
  legal_entity_id: string;
  kind: DocumentKind;
  /** The number the next issued document of this kind gets; incremented under a row lock, so there are no gaps. */
  next_number: number;
}

export type ReconciliationTrigger = 'SCHEDULED' | 'ON_DEMAND';
export type ReconciliationRunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface ReconciliationRunTable {
  id: string;
  trigger: ReconciliationTrigger;
  status: ReconciliationRunStatus;
  requested_by: string | null;
  started_at: Date;
  finished_at: Date | null;
  /** Exceptions this run recorded for the first time, cleared, and left open. */
  found: Generated<number>;
  cleared: Generated<number>;
  open: Generated<number>;
  error: string | null;
}

export interface ReconciliationExceptionTable {
  id: string;
  type: string;
  key: string;
  /** The records involved, as graph references: [{ typename, id }]. */
  subjects: unknown;
  detail: string;
  found_at: Date;
  found_run_id: string;
  cleared_at: Date | null;
  cleared_run_id: string | null;
}

/** One row per job: who runs it until when (renewed by the runner's heartbeat). */
export interface ReconciliationLeaseTable {
  name: string;
  holder: string;
  expires_at: Date;
  heartbeat_at: Date;
}

/** An effective-dated exchange rate: 1 `from_currency` = `rate` `to_currency` on each day of the period. */
export interface FxRateTable {
  id: string;
  from_currency: string;
  to_currency: string;
  rate: string;
  effective_from: string;
  effective_to: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** hcm's legal entity as erp keeps it (hcm.legal_entity.created|changed): the currency its books are kept in. */
export interface LegalEntityTable {
  id: string;
  currency: string;
  updated_at: Date;
}

export interface ErpDatabase extends OutboxTables, IdempotencyTables {
  invoice: InvoiceTable;
  invoice_line: InvoiceLineTable;
  credit_note: CreditNoteTable;
  credit_note_line: CreditNoteLineTable;
  payment: PaymentTable;
  billing_event: BillingEventTable;
  billing_event_change: BillingEventChangeTable;
  cost_posting: CostPostingTable;
  tax_rate: TaxRateTable;
  fx_rate: FxRateTable;
  legal_entity: LegalEntityTable;
  billing_setup: BillingSetupTable;
  billing_schedule_line: BillingScheduleLineTable;
  recurring_usage: RecurringUsageTable;
  uncosted_time: UncostedTimeTable;
  document_sequence: DocumentSequenceTable;
  reconciliation_run: ReconciliationRunTable;
  reconciliation_exception: ReconciliationExceptionTable;
  reconciliation_lease: ReconciliationLeaseTable;
}

export type InvoiceRow = Selectable<InvoiceTable>;
export type InvoiceLineRow = Selectable<InvoiceLineTable>;
export type CreditNoteRow = Selectable<CreditNoteTable>;
export type CreditNoteLineRow = Selectable<CreditNoteLineTable>;
export type PaymentRow = Selectable<PaymentTable>;
export type BillingEventRow = Selectable<BillingEventTable>;
export type BillingEventChangeRow = Selectable<BillingEventChangeTable>;
export type CostPostingRow = Selectable<CostPostingTable>;
export type TaxRateRow = Selectable<TaxRateTable>;
export type FxRateRow = Selectable<FxRateTable>;
export type BillingSetupRow = Selectable<BillingSetupTable>;
export type BillingScheduleLineRow = Selectable<BillingScheduleLineTable>;
export type RecurringUsageRow = Selectable<RecurringUsageTable>;
export type ReconciliationRunRow = Selectable<ReconciliationRunTable>;
export type ReconciliationExceptionRow = Selectable<ReconciliationExceptionTable>;
