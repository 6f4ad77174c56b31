// The one logger: structured JSON lines with a component field, written to stderr by default.
// Never pass private keys, CSRs or tokens in fields: nothing here can tell them apart.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  component: string;
  level?: LogLevel;
  write?: (line: string) => void;
}

function levelFromEnv(): LogLevel {
  const value = process.env.AUTOMESH_LOG_LEVEL;
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'info';
}

function errorFields(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return { message: value.message, ...(code === undefined ? {} : { code }) };
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LEVEL_ORDER[options.level ?? levelFromEnv()];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVEL_ORDER[level] < threshold) return;
    const record: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      component: options.component,
      msg,
    };
    for (const [key, value] of Object.entries(fields ?? {})) record[key] = errorFields(value);
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (component) => createLogger({ ...options, component: `${options.component}.${component}` }),
  };
}

/** A logger that drops everything: for tests and for library callers that pass none. */
export const silentLogger: Logger = createLogger({ component: 'silent', level: 'error', write: () => {} });
