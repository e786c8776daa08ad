import { percentText } from '../../lib/decimal.ts';
import { optionalEntityRef } from '../../lib/graphql/connection.ts';
import { signedCredit } from '../../subgraphs/erp/domain/credit-notes.ts';
import type { CreditNoteLineResolvers, CreditNoteResolvers } from './types.generated.ts';

export const CreditNote: CreditNoteResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.creditNote(ref.id),
  invoice: async (note, _, { loaders }) => (await loaders.invoice.load(note.invoice_id))!,
  lines: (note, _, { loaders }) => loaders.linesByCreditNote.load(note.id),
  total: (note) => signedCredit(note.total, note.currency),
  issuedAt: (note) => note.issued_at,
  subtotal: (note) => signedCredit(note.subtotal, note.currency),
  taxTotal: (note) => signedCredit(note.tax_total, note.currency),
  taxRatePercent: (note) => (note.tax_rate_percent === null ? null : percentText(note.tax_rate_percent)),
  issueDate: (note) => note.issue_date,
  voidedAt: (note) => note.voided_at,
  voidReason: (note) => note.void_reason,
  createdAt: (note) => note.created_at,
};

export const CreditNoteLine: CreditNoteLineResolvers = {
  sourceType: (line) => line.source_type,
  sourceId: (line) => line.source_id,
  amount: (line) => signedCredit(line.amount, line.currency),
  invoiceLine: (line, _, { loaders }) => (line.invoice_line_id ? loaders.invoiceLine.load(line.invoice_line_id) : null),
  project: (line) => optionalEntityRef('Project', line.project_id),
};
