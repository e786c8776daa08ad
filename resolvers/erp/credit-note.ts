import { money } from '../../subgraphs/erp/domain/money.ts';
import type { CreditNoteLineResolvers, CreditNoteResolvers } from './types.generated.ts';

export const CreditNote: CreditNoteResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.creditNote(ref.id),
  invoice: async (note, _, { loaders }) => (await loaders.invoice.load(note.invoice_id))!,
  lines: (note, _, { loaders }) => loaders.linesByCreditNote.load(note.id),
  total: (note) => money(note.total, note.currency),
  issuedAt: (note) => note.issued_at,
};

export const CreditNoteLine: CreditNoteLineResolvers = {
  sourceType: (line) => line.source_type,
  sourceId: (line) => line.source_id,
  amount: (line) => money(line.amount, line.currency),
};
