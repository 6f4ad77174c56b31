// A tiny structured logger (JSON lines on stderr) until the project has a shared one.
// Callers never pass keys, CSRs or tokens in fields.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogSink = (line: string) => void;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function minimumLevel(): LogLevel {
  const env = process.env['AUTOMESH_LOG_LEVEL'];
  return env === 'debug' || env === 'warn' || env === 'error' ? env : 'info';
}

/** A logger writing one JSON object per line with `ts`, `level`, `component` and `msg`. */
export function createLogger(
  component: string,
  sink: LogSink = (line) => process.stderr.write(line),
): Logger {
  const min = LEVEL_RANK[minimumLevel()];
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVEL_RANK[level] < min) return;
    const record = { ts: new Date().toISOString(), level, component, msg, ...fields };
    sink(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
