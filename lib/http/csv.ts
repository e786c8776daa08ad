/**
 * RFC 4180 CSV: a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled; records end in CRLF.
 * Everything else is written as is, so decimals and ids stay exactly as the graph gave them.
 */
const needsQuotes = /[",\r\n]/;

export const csvField = (value: string): string => (needsQuotes.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export const toCsv = (records: ReadonlyArray<readonly string[]>): string =>
  records.map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
