// Maps a field path back to a position in the YAML source, so problems can say "line 9, column 15".

import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { PathSegment } from './problem.js';

export interface SourcePosition {
  line: number;
  column: number;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

/**
 * The position of the value at `path` (or of its key when `atKey`); when the path does not exist
 * (a missing required field), the position of the deepest part of it that does.
 */
export function locate(
  doc: Document,
  path: readonly PathSegment[],
  lineCounter: LineCounter,
  atKey = false,
): SourcePosition | undefined {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNode(node) ? node : undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    let next: unknown;
    let key: unknown;
    if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    } else if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      next = pair?.value;
      key = pair?.key;
    }
    if (atKey && i === path.length - 1 && isNode(key)) return position(key, lineCounter);
    if (next === undefined) break;
    node = next;
    if (isNode(next)) best = next;
  }
  return best === undefined ? undefined : position(best, lineCounter);
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray(value.range);
}

function position(node: Node, lineCounter: LineCounter): SourcePosition | undefined {
  const offset = node.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
