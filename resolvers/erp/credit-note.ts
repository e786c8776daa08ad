import { optionalEntityRef } from '../../lib/graphql/connection.ts';
import { money } from '../../subgraphs/erp/domain/money.ts';
import type { CreditNoteLineResolvers, CreditNoteResolvers } from './types.generated.ts';

export const CreditNote: CreditNoteResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.creditNote(ref.id),
  invoice: async (note, _, { loaders }) => (await loaders.invoice.load(note.invoice_id))!,
  lines: (note, _, { loaders }) => loaders.linesByCreditNote.load(note.id),
  total: (note) => money(note.total, note.currency),
  issuedAt: (note) => note.issued_at,
  subtotal: (note) => money(note.subtotal, note.currency),
  taxTotal: (note) => money(note.tax_total, note.currency),
  taxRatePercent: (note) => note.tax_rate_percent,
  issueDate: (note) => note.issue_date,
  voidedAt: (note) => note.voided_at,
  voidReason: (note) => note.void_reason,
  createdAt: (note) => note.created_at,
};

export const CreditNoteLine: CreditNoteLineResolvers = {
  sourceType: (line) => line.source_type,
  sourceId: (line) => line.source_id,
  amount: (line) => money(line.amount, line.currency),
  invoiceLine: (line, _, { loaders }) => (line.invoice_line_id ? loaders.invoiceLine.load(line.invoice_line_id) : null),
  project: (line) => optionalEntityRef('Project', line.project_id),
};
