// Decoding manifests: multi-document YAML (or one JSON value) into typed, validated resources.
// Decoding keeps every object exactly as written; Kubernetes-like defaults are a separate step
// (applyDefaults in defaults.ts), so what the user wrote and what the mesh assumed stay apart.

import { LineCounter, parseAllDocuments } from 'yaml';
import { describeValue, formatPath } from './problem.js';
import type { Issue, PathSegment, Problem } from './problem.js';
import type { Resource } from './resources.js';
import { kindInfo } from './kinds.js';
import { isMap } from './rules/raw.js';
import { validateResource } from './validate.js';
import { locate } from './yaml-locate.js';

export interface DecodeResult {
  /** The valid objects, in source order (List items expanded in place). */
  resources: Resource[];
  /** Every problem of every document; the caller decides whether valid documents still apply. */
  problems: Problem[];
}

/** One object found in a document: its value and its path inside the document. */
interface Found {
  value: unknown;
  at: PathSegment[];
  /** Set when the list holding the object is itself malformed. */
  issue?: string;
}

/**
 * Decodes multi-document YAML: comments and empty documents are skipped, `kind: List` and
 * `*List` objects are expanded to their `items`, syntax errors are reported with line and column,
 * and each object is validated. `source` (a file name) is copied into every problem.
 */
export function decodeManifests(text: string, source?: string): DecodeResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const result: DecodeResult = { resources: [], problems: [] };
  docs.forEach((doc, i) => {
    const document = i + 1;
    if (doc.errors.length > 0) {
      result.problems.push(...doc.errors.map((e) => syntaxProblem(e, document, source)));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      // An alias bomb ("Excessive alias count…") throws here: a problem of this document, not a crash.
      result.problems.push(clean({ document, source, path: '', message: `YAML: ${(err as Error).message}` }));
      return;
    }
    if (value == null) return;
    for (const found of expandLists(value)) {
      const decoded = decodeAt(found, document, source, (path, atKey) =>
        locate(doc, path, lineCounter, atKey),
      );
      if (decoded.resource) result.resources.push(decoded.resource);
      result.problems.push(...decoded.problems);
    }
  });
  return result;
}

/** Decodes one already-parsed object (a JSON request body); `where.document` numbers its problems. */
export function decodeObject(
  value: unknown,
  where: { document: number },
): { resource?: Resource; problems: Problem[] } {
  return decodeAt({ value, at: [] }, where.document);
}

type Locator = (path: readonly PathSegment[], atKey: boolean) => { line: number; column: number } | undefined;

function decodeAt(
  found: Found,
  document: number,
  source?: string,
  locator?: Locator,
): { resource?: Resource; problems: Problem[] } {
  const hostile = hostileShape(found.value);
  const value = hostile === undefined ? withoutNulls(found.value, []) : found.value;
  const issue = hostile ?? found.issue;
  const { resource, issues } =
    issue === undefined
      ? validateResource(value)
      : { resource: undefined, issues: [{ path: [], message: issue }] };
  if (resource) return { resource, problems: [] };
  const kind = isMap(value) && typeof value.kind === 'string' ? value.kind : undefined;
  const metadata = isMap(value) && isMap(value.metadata) ? value.metadata : undefined;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  const problems = issues.map((issue) =>
    toProblem(issue, found.at, { document, kind, name, source }, locator),
  );
  return { problems };
}

function toProblem(
  issue: Issue,
  at: PathSegment[],
  base: Omit<Problem, 'path' | 'message'>,
  locator?: Locator,
): Problem {
  const path = [...at, ...issue.path];
  const problem: Problem = { ...base, path: formatPath(path), message: issue.message };
  const position = locator?.(path, issue.message.startsWith('unknown field'));
  if (position) Object.assign(problem, { line: position.line, column: position.column });
  return clean(problem);
}

/** Drops undefined optional fields so problems compare and serialise cleanly. */
function clean(problem: Problem): Problem {
  return Object.fromEntries(Object.entries(problem).filter(([, v]) => v !== undefined)) as unknown as Problem;
}

function syntaxProblem(
  error: { code: string; message: string; linePos?: [{ line: number; col: number }, ...unknown[]] },
  document: number,
  source?: string,
): Problem {
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const message = `YAML syntax error: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`;
  const pos = error.linePos?.[0];
  return clean({ document, source, path: '', message, line: pos?.line, column: pos?.col });
}

/** `List`, or a known kind's list (`PodList`): the kind its items have, '' for any. */
function listItemKind(value: unknown): string | undefined {
  if (!isMap(value) || typeof value.kind !== 'string') return undefined;
  if (value.kind === 'List') return '';
  const itemKind = value.kind.slice(0, -'List'.length);
  return value.kind.endsWith('List') && kindInfo(itemKind) !== undefined ? itemKind : undefined;
}

/**
 * `kind: List` and typed lists (`PodList`) stand for their items (none when `items` is absent).
 * Items of a typed list may omit kind and apiVersion (the API's own list responses do); they are
 * taken from the list then.
 */
function expandLists(value: unknown): Found[] {
  const itemKind = listItemKind(value);
  if (itemKind === undefined || !isMap(value)) return [{ value, at: [] }];
  if (value.items == null) return [];
  if (!Array.isArray(value.items)) {
    return [{ value, at: ['items'], issue: `expected a list, got ${describeValue(value.items)}` }];
  }
  return value.items.map((item: unknown, i) => {
    const at: PathSegment[] = ['items', i];
    if (itemKind === '' || !isMap(item)) return { value: item, at };
    return { value: { apiVersion: value.apiVersion, kind: itemKind, ...item }, at };
  });
}

/** No manifest of a supported kind comes close; deeper values are refused before any recursion. */
const MAX_DEPTH = 100;

/**
 * Refuses, before anything recurses on the value or copies its keys: nesting deeper than MAX_DEPTH
 * (a 10,000-level JSON body overflowed the stack: a 500 instead of a 4xx) and a `__proto__` key
 * (`out[key] =` turns it into the copy's prototype, and zod drops it: the label silently vanished).
 * Iterative, so it cannot overflow the stack itself.
 */
function hostileShape(root: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[root, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, depth] = top;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
    if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return 'the key "__proto__" is not allowed';
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * YAML `key:` with nothing after it is null; Kubernetes reads null as absent, so such keys are
 * dropped. The one exception is an authentication policy's `mtls:` peer, where null means STRICT.
 */
function withoutNulls(value: unknown, path: PathSegment[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => withoutNulls(item, [...path, i]));
  if (!isMap(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null && !(key === 'mtls' && path.includes('peers'))) continue;
    out[key] = withoutNulls(child, [...path, key]);
  }
  return out;
}
