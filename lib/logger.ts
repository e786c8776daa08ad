/** One JSON line per record, so production log shippers need no parsing rules. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

type Level = 'info' | 'warn' | 'error';
const rank: Record<Level | 'silent', number> = { info: 0, warn: 1, error: 2, silent: 3 };

/**
 * Lines logged within one turn of the event loop, written to stdout together: the gateway logs a line per request,
 * and one write per turn instead of a system call per line keeps that off the request's cost under load. Whatever is
 * pending when the process exits (process.exit, an uncaught error) is written then.
 */
let pendingStdout = '';
const flushStdout = () => {
  if (!pendingStdout) return;
  const lines = pendingStdout;
  pendingStdout = '';
  process.stdout.write(lines);
};
process.once('exit', flushStdout);
const writeStdout = (line: string) => {
  if (!pendingStdout) setImmediate(flushStdout);
  pendingStdout += line + '\n';
};

export function createLogger(
  base: Record<string, unknown> = {},
  minLevel: Level | 'silent' = 'info',
  write: (line: string) => void = writeStdout,
): Logger {
  const emit = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (rank[level] < rank[minLevel]) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level, message, ...base, ...fields };
    if (record.error instanceof Error) record.error = { message: record.error.message, stack: record.error.stack };
    write(JSON.stringify(record));
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, minLevel, write),
  };
}

export const silentLogger: Logger = createLogger({}, 'silent');
