/**
 * Structured logs: one JSON object a line on stderr, with a time, a level, an event name and
 * fields. Callers log ids, accounts, CIDs, sizes, statuses and reasons only, never a blob or
 * anything decoded from one (the gateway never holds a plaintext anyway).
 *
 * @module
 */

/** A log level, most verbose first. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields of one line: plain values only. */
export type Fields = Record<string, string | number | boolean | null | undefined>;

/** A structured logger. */
export interface Logger {
  debug(event: string, fields?: Fields): void;
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
}

/** A logger writing lines at `level` and above to `write` (stderr by default). */
export function createLogger(
  level: Level = 'info',
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const at = (l: Level) => (event: string, fields: Fields = {}) => {
    if (ORDER[l] < ORDER[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: l, event, ...fields }));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('error', () => {});
