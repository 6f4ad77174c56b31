// `-o yaml` / `-o json` as kubectl writes them: map keys sorted, sequences not indented under
// their key (so `automesh get meshpolicies -o yaml | grep ' mode'` gives kubectl's indentation),
// timestamps quoted, JSON indented by four spaces; several objects become a `kind: List`.
import { Document, Scalar, visit } from 'yaml';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Wraps objects the way `kubectl get` does for lists. */
export function asList(items: readonly unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** A copy with object keys sorted at every level (kubectl prints unstructured objects so). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) sorted[key] = sortKeys(child);
  }
  return sorted;
}

export function toYaml(value: unknown): string {
  const doc = new Document(sortKeys(value));
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && TIMESTAMP.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0 });
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 4)}\n`;
}
