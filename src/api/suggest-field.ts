// "did you mean" for unknown fields: finds the fields the schema allows at a path and the one
// closest to what was written.

import type { z } from 'zod';
import type { PathSegment } from './problem.js';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return schema._zod.def;
}

/** Strips optional/nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    const def = defOf(current);
    if ((def.type === 'optional' || def.type === 'nullable') && def.innerType) current = def.innerType;
    else break;
  }
  return current;
}

/** The field names an object schema at `path` allows; empty when there is no object there. */
export function knownFields(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    const def = defOf(current);
    if (def.type === 'object' && typeof segment === 'string') current = def.shape?.[segment];
    else if (def.type === 'array' && typeof segment === 'number') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else current = undefined;
    if (current === undefined) return [];
    current = unwrap(current);
  }
  const def = defOf(current);
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + cost);
      previous = saved;
    }
  }
  return row[b.length] ?? 0;
}

/** The known field closest to `written` (case-insensitive match, or at most 2 edits), if any. */
export function closestField(written: string, known: readonly string[]): string | undefined {
  const lower = written.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(written.length / 3) + 1);
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}
