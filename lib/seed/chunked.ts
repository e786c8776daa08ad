/**
 * Splits rows into insert batches. Postgres allows 65,535 bind parameters per statement; 1,000 rows of up to ~60
 * columns stays under it and keeps each round trip large.
 */
export function* chunked<T>(rows: Iterable<T>, size = 1000): Generator<T[]> {
  let batch: T[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
