// kubectl's JSONPath (k8s.io/client-go/util/jsonpath) for `-o jsonpath=TEMPLATE`: literal text
// around `{...}` actions; fields `.a.b` (and `\.` inside names), recursive descent `..name`,
// `[n]`, `[-1]`, `[a:b]`, `[*]`, `.*`, `['key']`, unions `[0,1]`, filters `[?(@.a=="x")]`,
// quoted strings `{"\n"}`, and `{range PATH}...{end}`. Several results of one action are joined
// by a space; missing keys print nothing (kubectl's default `--allow-missing-template-keys`).

export class JsonPathError extends Error {
  readonly code = 'AUTOMESH_ERR_CLI_JSONPATH';
}

type Segment =
  | { type: 'field'; name: string }
  | { type: 'recursive' }
  | { type: 'wildcard' }
  | { type: 'root' }
  | { type: 'index'; indices: number[] }
  | { type: 'slice'; start?: number; end?: number; step?: number }
  | { type: 'keys'; keys: string[] }
  | { type: 'filter'; left: Segment[]; op?: string; right?: Operand };

type Operand = { type: 'path'; path: Segment[] } | { type: 'literal'; value: unknown };

type Node =
  | { type: 'text'; text: string }
  | { type: 'path'; path: Segment[] }
  | { type: 'range'; path: Segment[]; body: Node[] };

/** Parses and evaluates `template` against `data`, returning the printed text. */
export function evalJsonPath(template: string, data: unknown): string {
  return render(parseJsonPath(template), data, data);
}

/** Parses a template into nodes; throws JsonPathError for a malformed one. */
export function parseJsonPath(template: string): Node[] {
  const tokens = tokenize(template);
  const [nodes, rest] = buildNodes(tokens, 0, false);
  if (rest !== tokens.length) throw new JsonPathError('not in range, nothing to end');
  return nodes;
}

type Token = { type: 'text'; text: string } | { type: 'action'; body: string };

function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open === -1) {
      tokens.push({ type: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) tokens.push({ type: 'text', text: template.slice(i, open) });
    const close = findClose(template, open + 1);
    if (close === -1) throw new JsonPathError(`unclosed action`);
    tokens.push({ type: 'action', body: template.slice(open + 1, close).trim() });
    i = close + 1;
  }
  return tokens;
}

function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
  }
  return -1;
}

function buildNodes(tokens: Token[], start: number, inRange: boolean): [Node[], number] {
  const nodes: Node[] = [];
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token.type === 'text') {
      nodes.push({ type: 'text', text: token.text });
      i++;
      continue;
    }
    if (token.body === 'end') {
      if (!inRange) throw new JsonPathError('not in range, nothing to end');
      return [nodes, i];
    }
    if (token.body.startsWith('range ')) {
      const path = parsePath(token.body.slice('range '.length).trim());
      const [body, endAt] = buildNodes(tokens, i + 1, true);
      if (endAt >= tokens.length) throw new JsonPathError('unclosed range');
      nodes.push({ type: 'range', path, body });
      i = endAt + 1;
      continue;
    }
    nodes.push(parseAction(token.body));
    i++;
  }
  if (inRange) return [nodes, tokens.length];
  return [nodes, i];
}

function parseAction(body: string): Node {
  if (body.startsWith('"') || body.startsWith("'")) return { type: 'text', text: unquote(body) };
  return { type: 'path', path: parsePath(body) };
}

function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  return inner.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

function parsePath(text: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '$' || c === '@') {
      if (c === '$') segments.push({ type: 'root' });
      i++;
    } else if (text.startsWith('..', i)) {
      segments.push({ type: 'recursive' });
      i += 2;
      if (text[i] !== '[' && text[i] !== '*') i = readField(text, i, segments);
    } else if (c === '.') {
      i = readField(text, i + 1, segments);
    } else if (c === '[') {
      const close = findBracketClose(text, i + 1);
      if (close === -1) throw new JsonPathError(`unterminated array in ${text}`);
      segments.push(parseBracket(text.slice(i + 1, close).trim()));
      i = close + 1;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      i = readField(text, i, segments);
    }
  }
  return segments;
}

function readField(text: string, from: number, segments: Segment[]): number {
  if (text[from] === '*') {
    segments.push({ type: 'wildcard' });
    return from + 1;
  }
  let name = '';
  let i = from;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      name += text[++i];
      continue;
    }
    if (c === '.' || c === '[' || /\s/.test(c)) break;
    name += c;
  }
  if (name !== '') segments.push({ type: 'field', name });
  return i;
}

function findBracketClose(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || (c === ']' && depth > 0)) depth--;
    else if (c === ']') return i;
  }
  return -1;
}

function parseBracket(inner: string): Segment {
  if (inner === '*') return { type: 'wildcard' };
  if (inner.startsWith('?')) return parseFilter(inner.slice(1).trim());
  if (inner.startsWith("'") || inner.startsWith('"')) {
    return { type: 'keys', keys: inner.split(',').map((k) => unquote(k.trim())) };
  }
  if (inner.includes(':')) {
    const [start, end, step] = inner.split(':').map((p) => (p.trim() === '' ? undefined : toInt(p)));
    return { type: 'slice', start, end, step };
  }
  return { type: 'index', indices: inner.split(',').map(toInt) };
}

function toInt(text: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n)) throw new JsonPathError(`invalid array index ${text.trim()}`);
  return n;
}

const FILTER_OPS = ['==', '!=', '<=', '>=', '<', '>'];

function parseFilter(text: string): Segment {
  if (!text.startsWith('(') || !text.endsWith(')')) throw new JsonPathError(`invalid filter ${text}`);
  const body = text.slice(1, -1).trim();
  for (const op of FILTER_OPS) {
    const at = body.indexOf(op);
    if (at === -1) continue;
    const left = parsePath(body.slice(0, at).trim());
    return { type: 'filter', left, op, right: parseOperand(body.slice(at + op.length).trim()) };
  }
  return { type: 'filter', left: parsePath(body) };
}

function parseOperand(text: string): Operand {
  if (text.startsWith('@') || text.startsWith('$') || text.startsWith('.')) {
    return { type: 'path', path: parsePath(text) };
  }
  if (text.startsWith('"') || text.startsWith("'")) return { type: 'literal', value: unquote(text) };
  if (text === 'true' || text === 'false') return { type: 'literal', value: text === 'true' };
  const n = Number(text);
  if (Number.isNaN(n)) throw new JsonPathError(`unrecognized filter operand ${text}`);
  return { type: 'literal', value: n };
}

function render(nodes: Node[], current: unknown, root: unknown): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += node.text;
    else if (node.type === 'path') out += evalPath(node.path, current, root).map(toText).join(' ');
    else for (const item of evalPath(node.path, current, root)) out += render(node.body, item, root);
  }
  return out;
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function evalPath(path: Segment[], current: unknown, root: unknown): unknown[] {
  let values: unknown[] = [current];
  for (const segment of path) values = step(segment, values, root);
  return values;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The children of a list or map (kubectl's `[*]`); nothing for a scalar. */
const children = (v: unknown): unknown[] =>
  Array.isArray(v) ? (v as unknown[]) : isObject(v) ? Object.values(v) : [];

function step(segment: Segment, values: unknown[], root: unknown): unknown[] {
  switch (segment.type) {
    case 'root':
      return [root];
    case 'field':
      return values.flatMap((v) => (isObject(v) && segment.name in v ? [v[segment.name]] : []));
    case 'keys':
      return values.flatMap((v) => (isObject(v) ? segment.keys.filter((k) => k in v).map((k) => v[k]) : []));
    case 'wildcard':
      return values.flatMap(children);
    case 'recursive':
      return values.flatMap(descendants);
    case 'index':
      return values.flatMap((v) =>
        Array.isArray(v) ? segment.indices.map((i) => at(v as unknown[], i)) : [],
      );
    case 'slice':
      return values.flatMap((v) => (Array.isArray(v) ? slice(v as unknown[], segment) : []));
    case 'filter':
      return values.flatMap((v) => children(v).filter((item) => matches(segment, item, root)));
  }
}

function at(list: unknown[], index: number): unknown {
  const i = index < 0 ? index + list.length : index;
  if (i < 0 || i >= list.length) {
    throw new JsonPathError(`array index out of bounds: index ${index}, length ${list.length}`);
  }
  return list[i];
}

function slice(list: unknown[], s: { start?: number; end?: number; step?: number }): unknown[] {
  const norm = (n: number | undefined, fallback: number): number =>
    n === undefined ? fallback : Math.min(Math.max(n < 0 ? n + list.length : n, 0), list.length);
  const start = norm(s.start, 0);
  const end = norm(s.end, list.length);
  const stride = s.step !== undefined && s.step > 0 ? s.step : 1;
  const out: unknown[] = [];
  for (let i = start; i < end; i += stride) out.push(list[i]);
  return out;
}

/** The value itself and everything below it, depth first, in document order. */
function descendants(value: unknown): unknown[] {
  const below = children(value);
  if (below.length === 0) return [];
  return [value, ...below.flatMap(descendants)];
}

function matches(filter: Extract<Segment, { type: 'filter' }>, item: unknown, root: unknown): boolean {
  const left = evalPath(filter.left, item, root);
  if (filter.op === undefined || filter.right === undefined) return left.length > 0;
  const right =
    filter.right.type === 'literal' ? [filter.right.value] : evalPath(filter.right.path, item, root);
  return left.some((l) => right.some((r) => compare(l, filter.op!, r)));
}

function compare(left: unknown, op: string, right: unknown): boolean {
  if (op === '==') return left === right || String(left) === String(right);
  if (op === '!=') return !(left === right || String(left) === String(right));
  if (typeof left !== 'number' || typeof right !== 'number') return false;
  if (op === '<') return left < right;
  if (op === '>') return left > right;
  if (op === '<=') return left <= right;
  return left >= right;
}
