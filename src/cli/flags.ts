// A small pflag-compatible flag parser shared by every command, so that kubectl habits work
// everywhere: `-n NS`, `-nNS`, `-n=NS`, `--namespace NS`, `--namespace=NS`, grouped booleans
// (`-it`), repeated flags (`-f a -f b`), flags anywhere between positionals, and `--` ending flags.

/** How a flag takes its value: none (`bool`), one (`string`, last wins) or many (`strings`). */
export type FlagType = 'bool' | 'string' | 'strings';

export interface FlagSpec {
  /** Long name without dashes, e.g. `namespace`. */
  name: string;
  /** One-letter shorthand, e.g. `n`. */
  short?: string;
  type: FlagType;
  /** For a `string` flag: the value it takes when given bare (`--dry-run` = `--dry-run=client`). */
  bareValue?: string;
  /** One line for `--help`. */
  usage: string;
}

export type FlagValue = boolean | string | string[];

export interface ParsedFlags {
  /** Values by long name; only flags that were given appear. */
  values: Map<string, FlagValue>;
  /** Arguments that are not flags, in order (before `--`). */
  positionals: string[];
  /** Everything after `--`, untouched; `undefined` when there was no `--`. */
  rest: string[] | undefined;
}

/** A flag problem, worded like kubectl (pflag) so users recognise it. */
export class FlagError extends Error {
  readonly code = 'AUTOMESH_ERR_CLI_FLAG';
}

/** Flags most commands share; a command picks the ones it accepts. */
export const COMMON_FLAGS = {
  namespace: { name: 'namespace', short: 'n', type: 'string', usage: 'namespace of the request' },
  allNamespaces: {
    name: 'all-namespaces',
    short: 'A',
    type: 'bool',
    usage: 'list the requested objects across all namespaces',
  },
  selector: { name: 'selector', short: 'l', type: 'string', usage: 'label selector, e.g. -l app=sleep' },
  output: {
    name: 'output',
    short: 'o',
    type: 'string',
    usage: 'output format: wide|yaml|json|name|jsonpath=TEMPLATE',
  },
  filename: { name: 'filename', short: 'f', type: 'strings', usage: 'file to read, or - for stdin' },
  container: { name: 'container', short: 'c', type: 'string', usage: 'container name' },
  help: { name: 'help', short: 'h', type: 'bool', usage: 'help for this command' },
} as const satisfies Record<string, FlagSpec>;

const BOOL_WORDS = new Map([
  ['true', true],
  ['1', true],
  ['t', true],
  ['false', false],
  ['0', false],
  ['f', false],
]);

/**
 * Parses `args` against `specs`. Throws FlagError for an unknown flag, a missing value or a bad
 * boolean, worded as kubectl words it (`unknown flag: --x`).
 */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const parsed: ParsedFlags = { values: new Map(), positionals: [], rest: undefined };
  let i = 0;
  const next = (): string | undefined => {
    i += 1;
    return args[i];
  };
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      parsed.rest = args.slice(i + 1);
      break;
    }
    if (arg.startsWith('--')) parseLong(arg, byLong, parsed, next);
    else if (arg.startsWith('-') && arg.length > 1) parseShorts(arg, byShort, parsed, next);
    else parsed.positionals.push(arg);
  }
  return parsed;
}

function parseLong(
  arg: string,
  byLong: Map<string, FlagSpec>,
  parsed: ParsedFlags,
  next: () => string | undefined,
): void {
  const eq = arg.indexOf('=');
  const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
  const spec = byLong.get(name);
  if (spec === undefined) throw new FlagError(`unknown flag: --${name}`);
  if (spec.type === 'bool') {
    store(parsed, spec, eq === -1 ? true : parseBool(arg.slice(eq + 1), `--${name}`));
    return;
  }
  const value = eq !== -1 ? arg.slice(eq + 1) : (spec.bareValue ?? next());
  if (value === undefined) throw new FlagError(`flag needs an argument: --${name}`);
  store(parsed, spec, value);
}

function parseShorts(
  arg: string,
  byShort: Map<string, FlagSpec>,
  parsed: ParsedFlags,
  next: () => string | undefined,
): void {
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j]!;
    const spec = byShort.get(letter);
    if (spec === undefined) throw new FlagError(`unknown shorthand flag: '${letter}' in ${arg}`);
    if (spec.type === 'bool') {
      if (arg[j + 1] === '=') {
        store(parsed, spec, parseBool(arg.slice(j + 2), `-${letter}`));
        return;
      }
      store(parsed, spec, true);
      continue;
    }
    // The rest of the word is the value (`-nfull`, `-o=json`), else the next argument.
    let value: string | undefined = arg.slice(j + 1);
    if (value.startsWith('=')) value = value.slice(1);
    else if (value === '') value = next();
    if (value === undefined) throw new FlagError(`flag needs an argument: '${letter}' in ${arg}`);
    store(parsed, spec, value);
    return;
  }
}

function parseBool(text: string, flag: string): boolean {
  const value = BOOL_WORDS.get(text.toLowerCase());
  if (value === undefined) {
    throw new FlagError(
      `invalid argument "${text}" for "${flag}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`,
    );
  }
  return value;
}

function store(parsed: ParsedFlags, spec: FlagSpec, value: boolean | string): void {
  if (spec.type === 'strings') {
    const list = parsed.values.get(spec.name);
    parsed.values.set(spec.name, [...(Array.isArray(list) ? list : []), String(value)]);
  } else {
    parsed.values.set(spec.name, value);
  }
}

/** The string value of a flag, or undefined. */
export function flagString(parsed: ParsedFlags, name: string): string | undefined {
  const value = parsed.values.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** True when a boolean flag was given as true. */
export function flagBool(parsed: ParsedFlags, name: string): boolean {
  return parsed.values.get(name) === true;
}

/** All values of a repeated flag (empty when absent). */
export function flagStrings(parsed: ParsedFlags, name: string): string[] {
  const value = parsed.values.get(name);
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** `--help` text listing a command's flags, kubectl style. */
export function formatFlagHelp(usageLine: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const names = s.short === undefined ? `    --${s.name}` : `-${s.short}, --${s.name}`;
    const arg = s.type === 'bool' ? '' : s.type === 'strings' ? '=[]' : "=''";
    return { left: `${names}${arg}`, usage: s.usage };
  });
  const width = Math.max(0, ...rows.map((r) => r.left.length));
  const lines = rows.map((r) => `  ${r.left.padEnd(width)}  ${r.usage}`);
  return `${summary}\n\nUsage:\n  ${usageLine}\n\nFlags:\n${lines.join('\n')}\n`;
}
