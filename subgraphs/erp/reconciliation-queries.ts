import { sql, type Kysely, type Transaction } from 'kysely';
import type { Finding } from './domain/reconciliation.ts';
import type { ErpDatabase, ReconciliationTrigger } from './tables.ts';

type Db = Kysely<ErpDatabase> | Transaction<ErpDatabase>;

/** A table in this subgraph's schema inside raw SQL (the schema plugin rewrites builder queries only). */
const table = (db: Db, name: keyof ErpDatabase) => sql`(${db.selectFrom(name).selectAll()})`;

/**
 * Of these approved sources, the ones erp never handled: no live cost posting (neither a reversal nor reversed), and,
 * for time entries, not recorded as uncosted (handled without a cost rate: MISSING_COST_RATE, its own exception).
 * One statement.
 */
export async function sourcesWithoutCostPosting(db: Db, sourceType: 'TIME_ENTRY' | 'EXPENSE', ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const posted = await db
    .selectFrom('cost_posting')
    .select('source_id')
    .where('source_type', '=', sourceType)
    .where('source_id', 'in', ids)
    .where('reversal_of', 'is', null)
    .where('reversed_at', 'is', null)
    .$if(sourceType === 'TIME_ENTRY', (query) =>
      query.union(
        db.selectFrom('uncosted_time').select('source_id').where('source_id', 'in', ids).where('costed_at', 'is', null).where('reversed_at', 'is', null),
      ),
    )
    .execute();
  const have = new Set(posted.map((row) => row.source_id));
  return ids.filter((id) => !have.has(id));
}

/**
 * Approved time erp handled without a cost rate and still has no cost for (`uncosted_time` standing): one exception
 * per time entry, with its worker (whose rate hcm lacks on that date). One statement.
 */
export async function timeWithoutCostRate(db: Db): Promise<Finding[]> {
  const rows = await db
    .selectFrom('uncosted_time')
    .select(['source_id', 'worker_id', 'project_id', sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'), 'hours'])
    .where('costed_at', 'is', null)
    .where('reversed_at', 'is', null)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    type: 'MISSING_COST_RATE' as const,
    subjects: [{ typename: 'TimeEntry', id: row.source_id }, { typename: 'Worker', id: row.worker_id }],
    detail: `time entry ${row.source_id} (${String(row.hours)} h on ${row.date}, project ${row.project_id}) is approved, but worker ${row.worker_id} has no cost rate on ${row.date}: no cost is posted (add the rate in hcm, then re-drive)`,
  }));
}

/** Billing events standing (not REVERSED), dated in a closed period, and on no issued (or paid) invoice. */
export async function billingEventsNotInvoiced(db: Db, closedThrough: string): Promise<Finding[]> {
  const rows = await db
    .selectFrom('billing_event as be')
    .select(['be.id', 'be.status', sql<string>`to_char(be.date, 'YYYY-MM-DD')`.as('date'), 'be.contract_id'])
    // Invoiced by the previous system (imported history): never on a psgraph invoice, by design.
    .where('be.status', 'not in', ['REVERSED', 'INVOICED_EXTERNALLY'])
    .where('be.date', '<=', closedThrough)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('invoice_line as il')
            .innerJoin('invoice as i', 'i.id', 'il.invoice_id')
            .select(sql`1`.as('one'))
            .whereRef('il.billing_event_id', '=', 'be.id')
            .where('il.released_at', 'is', null)
            .where('i.status', 'in', ['ISSUED', 'PARTIALLY_PAID', 'PAID']),
        ),
      ),
    )
    .execute();
  return rows.map((row) => ({
    type: 'BILLING_EVENT_NOT_INVOICED' as const,
    subjects: [{ typename: 'BillingEvent', id: row.id }],
    detail: `billing event ${row.id} (${row.status}, dated ${row.date}) is on no issued invoice though its period closed on or before ${closedThrough}`,
  }));
}

/**
 * Invoices (not VOID) whose subtotal is not the sum of their lines, whose total is not subtotal + tax, or with a live
 * line whose amount is not its billing event's (a released line no longer holds its event: re-billed, the event takes
 * its own rounding and a new line's share): summed in SQL, one statement.
 */
export async function invoiceTotalMismatches(db: Db): Promise<Finding[]> {
  const rows = await sql<{ id: string; subtotal: string; lines: string; total: string; tax_total: string; sources_off: number }>`
    select i.id, i.subtotal::text as subtotal, coalesce(l.lines, 0)::numeric(16, 2)::text as lines, i.total::text as total,
           i.tax_total::text as tax_total, coalesce(l.sources_off, 0)::int as sources_off
    from ${table(db, 'invoice')} i
    left join (
      select il.invoice_id, sum(il.amount) as lines,
             count(*) filter (where be.id is not null and il.released_at is null and be.amount <> il.amount) as sources_off
      from ${table(db, 'invoice_line')} il left join ${table(db, 'billing_event')} be on be.id = il.billing_event_id
      group by il.invoice_id
    ) l on l.invoice_id = i.id
    where i.status <> 'VOID'
      and (i.subtotal <> coalesce(l.lines, 0) or i.total <> i.subtotal + i.tax_total or coalesce(l.sources_off, 0) > 0)
  `.execute(db);
  return rows.rows.map((row) => ({
    type: 'INVOICE_TOTAL_MISMATCH' as const,
    subjects: [{ typename: 'Invoice', id: row.id }],
    detail: `invoice ${row.id}: subtotal ${row.subtotal}, its lines sum to ${row.lines}; total ${row.total}, tax ${row.tax_total}; ${row.sources_off} line(s) differ from their billing event`,
  }));
}

/** Which of these contracts have a billing setup. */
export async function contractsWithSetup(db: Db, contractIds: readonly string[]): Promise<Set<string>> {
  if (contractIds.length === 0) return new Set();
  const rows = await db.selectFrom('billing_setup').select('contract_id').where('contract_id', 'in', contractIds).execute();
  return new Set(rows.map((row) => row.contract_id));
}

export const openExceptions = (trx: Transaction<ErpDatabase>) =>
  trx.selectFrom('reconciliation_exception').select(['id', 'type', 'key']).where('cleared_at', 'is', null).forUpdate().execute();

export async function insertRun(db: Db, run: { id: string; trigger: ReconciliationTrigger; requestedBy: string | null; startedAt: Date }) {
  await db
    .insertInto('reconciliation_run')
    .values({ id: run.id, trigger: run.trigger, status: 'RUNNING', requested_by: run.requestedBy, started_at: run.startedAt, finished_at: null, error: null })
    .execute();
}

/**
 * Takes or renews the job's lease until `expiresAt`: inserted when absent, taken over when expired, renewed by its
 * holder; true when `holder` holds it now. One statement, so two runners racing cannot both win.
 */
export async function claimLease(db: Db, name: string, holder: string, now: Date, expiresAt: Date): Promise<boolean> {
  const row = await db
    .insertInto('reconciliation_lease')
    .values({ name, holder, expires_at: expiresAt, heartbeat_at: now })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expiresAt, heartbeat_at: now })
        .where((eb) => eb.or([eb('reconciliation_lease.expires_at', '<=', now), eb('reconciliation_lease.holder', '=', holder)])),
    )
    .returning('holder')
    .executeTakeFirst();
  return row !== undefined;
}

export async function releaseLease(db: Db, name: string, holder: string, now: Date) {
  await db.updateTable('reconciliation_lease').set({ expires_at: now }).where('name', '=', name).where('holder', '=', holder).execute();
}

export const runsByIds = (db: Db, ids: readonly string[]) => db.selectFrom('reconciliation_run').selectAll().where('id', 'in', ids).execute();
export const exceptionsByIds = (db: Db, ids: readonly string[]) => db.selectFrom('reconciliation_exception').selectAll().where('id', 'in', ids).execute();

export function exceptionsQuery(db: Db, filter: { type?: string | null; open?: boolean | null; ids?: readonly string[] | null }) {
  let query = db.selectFrom('reconciliation_exception').selectAll();
  if (filter.ids) query = filter.ids.length ? query.where('id', 'in', filter.ids) : query.where(sql<boolean>`false`);
  if (filter.type) query = query.where('type', '=', filter.type);
  if (filter.open === true) query = query.where('cleared_at', 'is', null);
  if (filter.open === false) query = query.where('cleared_at', 'is not', null);
  return query;
}

export const runsQuery = (db: Db) => db.selectFrom('reconciliation_run').selectAll();

/** A type's open exceptions, oldest found first. */
export const openExceptionsOfType = (db: Db, type: string) =>
  exceptionsQuery(db, { type, open: true }).orderBy('found_at').orderBy('id').execute();
