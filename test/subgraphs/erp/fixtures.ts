import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Identity } from '../../../lib/auth/identity.ts';
import type { ErpDatabase } from '../../../subgraphs/erp/index.ts';

/**
 * Hand-built erp records for tests, written straight to the subgraph's tables (the engines that will write them in
 * production come later). Every builder fills what a test does not care about and returns the row's id.
 */
type Row<T extends keyof ErpDatabase> = Insertable<ErpDatabase[T]>;

export function erpFixtures(db: Kysely<ErpDatabase>) {
  return {
    async invoice(values: Partial<Row<'invoice'>> & { customer_id: string; currency: string; status: Row<'invoice'>['status'] }) {
      const id = values.id ?? randomUUID();
      const issued = values.status !== 'DRAFT' && values.status !== 'VOID';
      const subtotal = values.subtotal ?? '0.00';
      const taxTotal = values.tax_total ?? '0.00';
      await db
        .insertInto('invoice')
        .values({
          number: issued ? `INV-${id.slice(0, 8)}` : null,
          legal_entity_id: 'le-de',
          contract_id: null,
          period_start: '2026-01-01',
          period_end: '2026-01-31',
          issue_date: issued ? '2026-02-01' : null,
          due_date: issued ? '2026-03-03' : null,
          tax_rate_id: null,
          tax_rate_percent: null,
          tax_total: taxTotal,
          total: values.total ?? (Number(subtotal) + Number(taxTotal)).toFixed(2),
          issued_at: issued ? new Date('2026-02-01T09:00:00Z') : null,
          voided_at: null,
          void_reason: null,
          ...values,
          id,
          subtotal,
        })
        .execute();
      return id;
    },
    async line(values: Partial<Row<'invoice_line'>> & { invoice_id: string; amount: string; currency: string; position: number }) {
      const id = values.id ?? randomUUID();
      await db
        .insertInto('invoice_line')
        .values({ source_type: 'ADJUSTMENT', source_id: null, billing_event_id: null, project_id: null, description: 'line', quantity: '1', unit_price: values.amount, released_at: null, ...values, id })
        .execute();
      return id;
    },
    async payment(values: Partial<Row<'payment'>> & { invoice_id: string; amount: string; currency: string }) {
      const id = values.id ?? randomUUID();
      await db.insertInto('payment').values({ received_on: '2026-02-20', reference: null, ...values, id }).execute();
      return id;
    },
    async creditNote(values: Partial<Row<'credit_note'>> & { invoice_id: string; customer_id: string; currency: string; total: string; status: 'DRAFT' | 'ISSUED' }) {
      const id = values.id ?? randomUUID();
      const issued = values.status === 'ISSUED';
      await db
        .insertInto('credit_note')
        .values({ number: issued ? `CN-${id.slice(0, 8)}` : null, legal_entity_id: 'le-de', reason: 'correction', issued_at: issued ? new Date('2026-02-15T09:00:00Z') : null, ...values, id })
        .execute();
      return id;
    },
    async creditLine(values: Partial<Row<'credit_note_line'>> & { credit_note_id: string; amount: string; currency: string }) {
      const id = values.id ?? randomUUID();
      await db
        .insertInto('credit_note_line')
        .values({ position: 1, source_type: 'ADJUSTMENT', source_id: null, invoice_line_id: null, project_id: null, description: 'credit', ...values, id })
        .execute();
      return id;
    },
    async billingEvent(values: Partial<Row<'billing_event'>> & { source_id: string; amount: string; currency: string; status: Row<'billing_event'>['status'] }) {
      const id = values.id ?? randomUUID();
      await db
        .insertInto('billing_event')
        .values({
          source_type: 'TIME_ENTRY', contract_id: 'contract-1', project_id: null, customer_id: 'customer-1', legal_entity_id: 'le-de',
          worker_id: null, role_id: null, task_id: null, date: '2026-01-15', description: 'work', hours: null, rate: null, fx_rate: null,
          held_reason: values.status === 'HELD' ? 'disputed' : null, reversed_at: values.status === 'REVERSED' ? new Date() : null,
          ...values, id,
        })
        .execute();
      return id;
    },
    async costPosting(values: Partial<Row<'cost_posting'>> & { source_id: string; project_id: string; amount: string; currency: string }) {
      const id = values.id ?? randomUUID();
      await db
        .insertInto('cost_posting')
        .values({ source_type: 'TIME_ENTRY', worker_id: 'worker-1', legal_entity_id: 'le-de', date: '2026-01-15', hours: null, cost_rate: null, reversal_of: null, reversed_at: null, ...values, id })
        .execute();
      return id;
    },
  };
}

export const finance: Identity = { workerId: 'finance-1', roles: ['FINANCE'] };
export const manager: Identity = { workerId: 'manager-1', roles: ['MANAGER', 'WORKER'] };
export const worker: Identity = { workerId: 'worker-1', roles: ['WORKER'] };

/** The SQL statements sent since the last reset (the outbox relay polls on its own, uncounted handle). */
export const requestStatements = (statements: { recent: readonly string[] }) => [...statements.recent];
