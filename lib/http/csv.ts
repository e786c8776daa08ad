/**
 * RFC 4180 CSV: a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled; records end in CRLF.
 * Decimals and ids are written exactly as the graph gave them. A text field that a spreadsheet would run as a
 * formula (starting with =, +, -, @, a tab or CR: a worker named "=HYPERLINK(…)") gets a leading apostrophe, the
 * OWASP advice against CSV injection; numbers, negative ones included, are left alone.
 */
const needsQuotes = /[",\r\n]/;
const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^-?\d+(\.\d+)?$/;

/** Either rule's trigger: most fields (ids, dates, decimals, codes) match neither and are written as they are. */
const plainUnlessMatched = /^[=+\-@\t\r]|[",\r\n]/;

export const csvField = (raw: string): string => {
  if (!plainUnlessMatched.test(raw)) return raw;
  const value = formulaStart.test(raw) && !plainNumber.test(raw) ? `'${raw}` : raw;
  return needsQuotes.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
};

export const toCsv = (records: ReadonlyArray<readonly string[]>): string =>
  records.map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
