import { sql, type Transaction } from 'kysely';
import { badInput, DomainError } from './errors.ts';

/** What an upsert did with one input. UNCHANGED wrote nothing and published nothing. */
export type UpsertOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'REFUSED';

/** One input's result, in input order: the record's id, or why it was refused (its error code, as a mutation's). */
export interface UpsertResult {
  index: number;
  outcome: UpsertOutcome;
  id: string | null;
  error: { code: string; message: string; field: string | null } | null;
}

/** The most inputs one bulk upsert takes: large enough for an import's chunk, small enough for one transaction. */
export const MAX_UPSERT_BATCH = 1000;

export function checkBatchSize(inputs: readonly unknown[], field = 'inputs'): void {
  if (inputs.length === 0) throw badInput(field, 'give at least one input');
  if (inputs.length > MAX_UPSERT_BATCH) throw badInput(field, `at most ${MAX_UPSERT_BATCH} inputs in one call, got ${inputs.length}`);
}

/**
 * Runs `apply` for each input in order inside the caller's transaction, each in a savepoint: an input refused with a
 * DomainError (bad input, NOT_FOUND, CONFLICT, a rule) rolls back only its own writes and events and is reported;
 * anything else (a driver error, a bug) fails the whole call. Inputs see the writes of the inputs before them, so a
 * batch may create a parent and then its children.
 */
export async function upsertEach<Input>(
  trx: Transaction<any>,
  inputs: readonly Input[],
  apply: (input: Input, index: number) => Promise<{ outcome: Exclude<UpsertOutcome, 'REFUSED'>; id: string }>,
): Promise<UpsertResult[]> {
  checkBatchSize(inputs);
  const results: UpsertResult[] = [];
  for (const [index, input] of inputs.entries()) {
    await sql`savepoint upsert_input`.execute(trx);
    try {
      const { outcome, id } = await apply(input, index);
      await sql`release savepoint upsert_input`.execute(trx);
      results.push({ index, outcome, id, error: null });
    } catch (error) {
      await sql`rollback to savepoint upsert_input`.execute(trx);
      if (!(error instanceof DomainError)) throw error;
      const field = typeof error.details.field === 'string' ? error.details.field : null;
      results.push({ index, outcome: 'REFUSED', id: null, error: { code: error.code, message: error.message, field } });
    }
  }
  return results;
}

/**
 * The fields of `next` that differ from `current` (compared as JSON, so dates, decimals as strings and arrays compare
 * by value): an upsert writes, and publishes, only when this is not empty.
 */
export function changedColumns<Row extends Record<string, unknown>>(current: Row, next: Partial<Row>): Partial<Row> {
  const changed: Partial<Row> = {};
  for (const key of Object.keys(next) as Array<keyof Row>) {
    if (next[key] === undefined) continue;
    if (JSON.stringify(normalize(current[key])) !== JSON.stringify(normalize(next[key]))) changed[key] = next[key];
  }
  return changed;
}

const normalize = (value: unknown) => (value instanceof Date ? value.toISOString() : typeof value === 'string' && looksLikeJson(value) ? JSON.parse(value) : value);
const looksLikeJson = (value: string) => (value.startsWith('{') || value.startsWith('[')) && (() => { try { JSON.parse(value); return true; } catch { return false; } })();
