// A problem found while decoding or validating a manifest: which document, which object, which
// field, what is wrong, and where in the source. Decoding and validation return every problem as
// values; the edges (API server, CLI) turn them into responses and messages with formatProblem.

export interface Problem {
  /** 1-based index of the YAML document (or of the object in a JSON body). */
  document: number;
  kind?: string;
  name?: string;
  /** Field path like `spec.peers[0].mtls.mode`; '' when the problem is the document itself. */
  path: string;
  message: string;
  /** 1-based position in the source, when decoded from YAML text. */
  line?: number;
  column?: number;
  /** The file (or `-` for stdin) the document came from, when the caller named it. */
  source?: string;
}

/** A problem before it is placed in a document: the path is still a list of keys and indexes. */
export interface Issue {
  path: PathSegment[];
  message: string;
}

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `['spec', 'peers', 0, 'mtls']` → `spec.peers[0].mtls`; odd keys are quoted: `labels["app.kubernetes.io/name"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * One line for people:
 * `document 2 (Policy/httpbin): spec.peers[0].mtls.mode: expected STRICT or PERMISSIVE, got "STRICTT" (line 9, column 15)`.
 */
export function formatProblem(p: Problem): string {
  let head = p.source !== undefined ? `${p.source}: document ${p.document}` : `document ${p.document}`;
  if (p.kind !== undefined || p.name !== undefined) {
    head += ` (${[p.kind ?? '?', p.name].filter((x) => x !== undefined).join('/')})`;
  }
  const field = p.path === '' ? '' : `${p.path}: `;
  const where =
    p.line !== undefined ? ` (line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''})` : '';
  return `${head}: ${field}${p.message}${where}`;
}

/** How a value reads in a message: strings quoted, containers named. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return typeof value;
}
