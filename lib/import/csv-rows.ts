import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { RowError } from './records.ts';

/** One CSV record by its (trimmed) header names, with the file line it ends on. */
export interface CsvRow {
  readonly line: number;
  readonly cells: Readonly<Record<string, string>>;
}

/** The most rows handed on at once: one bulk upsert's worth (lib/upsert.ts MAX_UPSERT_BATCH). */
export const IMPORT_CHUNK_ROWS = 1000;

/**
 * Reads CSV as it arrives (csv-parse, streaming): a UTF-8 byte-order mark is dropped, the first record names the
 * columns, short or long records are read as far as they go, blank lines are skipped. Yields the rows in chunks of at
 * most `chunkRows`, so memory holds one chunk whatever the file's size.
 */
export async function* csvChunks(input: Readable | string, chunkRows = IMPORT_CHUNK_ROWS): AsyncGenerator<CsvRow[]> {
  const parser = parse({
    bom: true,
    columns: (header: string[]) => header.map((name) => name.trim()),
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  if (typeof input === 'string') parser.end(input);
  else {
    // pipe() does not pass a source's failure on (a cut download, a size limit): the parser fails with it.
    input.on('error', (error) => parser.destroy(error));
    input.pipe(parser);
  }
  let chunk: CsvRow[] = [];
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    chunk.push({ line: info.lines, cells: record });
    if (chunk.length >= chunkRows) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The columns a row mapper reads, each by the names the source's versions and languages give it. */
export function columnReader(cells: Readonly<Record<string, string>>) {
  const byName = new Map(Object.entries(cells).map(([name, value]) => [name.toLowerCase(), value]));
  const find = (names: readonly string[]) => {
    for (const name of names) {
      const value = byName.get(name.toLowerCase());
      if (value !== undefined) return value;
    }
    return undefined;
  };
  return {
    /** The cell's text, trimmed, or null when the column is missing or empty. */
    optional(names: readonly string[]): string | null {
      const value = unquoteFormula(find(names)?.trim() ?? '');
      return value === '' ? null : value;
    },
    required(names: readonly string[]): string {
      const value = this.optional(names);
      if (value === null) throw new RowError(names[0], `${names[0]} is empty`);
      return value;
    },
  };
}

/**
 * Exports (psgraph's own among them, lib/http/csv.ts) put an apostrophe before text a spreadsheet would run as a
 * formula; the text itself is what was meant.
 */
const unquoteFormula = (value: string) => (/^'[=+\-@]/.test(value) ? value.slice(1) : value);

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const dottedDate = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;

/**
 * A calendar date: YYYY-MM-DD (Harvest, Kimai's default), or DD.MM.YYYY (Kimai in German-speaking locales). Slashed
 * dates are refused: 03/04/2026 is March or April depending on who wrote it.
 */
export function parseDate(column: string, value: string): string {
  let year: number, month: number, day: number;
  const iso = isoDate.exec(value);
  const dotted = dottedDate.exec(value);
  if (iso) [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (dotted) [year, month, day] = [Number(dotted[3]), Number(dotted[2]), Number(dotted[1])];
  else throw new RowError(column, `${column} "${value}" is not a date (YYYY-MM-DD or DD.MM.YYYY)`);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new RowError(column, `${column} "${value}" is not a date`);
  }
  return date.toISOString().slice(0, 10);
}

/**
 * Hours as a decimal with 2 places, from "1.5", "1,5" (a decimal comma), "1:30" or "1:30:00" (hours:minutes[:seconds],
 * rounded half-up to the hundredth). Never through a float: 0.1 + 0.2 stays 0.30.
 */
export function parseHours(column: string, value: string): string {
  const clock = /^(\d+):([0-5]\d)(?::([0-5]\d))?$/.exec(value);
  if (clock) {
    const seconds = Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0);
    // hundredths of an hour = seconds / 36, half-up
    const hundredths = Math.floor((seconds * 2 + 36) / 72);
    return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
  }
  const decimal = /^(\d+)(?:[.,](\d+))?$/.exec(value);
  if (!decimal) throw new RowError(column, `${column} "${value}" is not a number of hours`);
  const fraction = (decimal[2] ?? '').padEnd(3, '0');
  let hundredths = BigInt(decimal[1]) * 100n + BigInt(fraction.slice(0, 2));
  if (Number(fraction[2]) >= 5) hundredths += 1n;
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`;
}

const truthy = new Set(['yes', 'y', 'true', '1', 'x', 'ja', 'exported', 'billable']);
const falsy = new Set(['no', 'n', 'false', '0', '', 'nein', 'not exported', 'not_exported']);

/** Yes/No, true/false, 1/0 (and Kimai's German Ja/Nein). */
export function parseFlag(column: string, value: string | null): boolean | null {
  if (value === null) return null;
  const normalized = value.trim().toLowerCase();
  if (truthy.has(normalized)) return true;
  if (falsy.has(normalized)) return false;
  throw new RowError(column, `${column} "${value}" is not yes or no`);
}

/** A time of day HH:MM (Kimai's From/To), or null. */
export function parseClock(column: string, value: string | null): string | null {
  if (value === null) return null;
  const match = /^(\d{1,2}):([0-5]\d)(?::[0-5]\d)?$/.exec(value) ?? /^\d{4}-\d{2}-\d{2}[ T](\d{1,2}):([0-5]\d)/.exec(value);
  if (!match || Number(match[1]) > 23) throw new RowError(column, `${column} "${value}" is not a time of day (HH:MM)`);
  return `${match[1].padStart(2, '0')}:${match[2]}`;
}

/** An ISO 4217 code from "EUR" or Harvest's "Euro - EUR". */
export function parseCurrency(column: string, value: string | null): string | null {
  if (value === null) return null;
  const match = /(?:^|\s-\s)([A-Z]{3})$/.exec(value.trim());
  if (!match) throw new RowError(column, `${column} "${value}" names no currency code such as EUR`);
  return match[1];
}
