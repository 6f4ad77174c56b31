// The fields an object sets, as server-side apply tracks them in `metadata.managedFields`: one path
// per leaf (a scalar, an empty map, or a list replaced whole), written with kube-apiserver's
// FieldsV1 segments: `f:<field>` for a map field, `k:{"<merge key>":<value>}` for an item of a list
// that merges by key (containers by name, ports by containerPort: the strategic merge keys), whose
// own existence is a path too (`.` in FieldsV1). Identity and server-owned parts (apiVersion,
// kind, name, namespace, resourceVersion, uid, timestamps, managedFields, status) are not fields
// anyone applies. Pure.

import { mergeKeyOf } from '../patch/strategic-merge-patch.js';

type Json = unknown;
type JsonMap = Record<string, Json>;

/** A path of FieldsV1 segments. */
export type FieldPath = readonly string[];

/** A set of field paths; members are `pathKey(path)`. */
export type FieldSet = Set<string>;

export const pathKey = (path: FieldPath): string => JSON.stringify(path);
export const pathOf = (key: string): FieldPath => JSON.parse(key) as string[];

export function isMap(value: Json): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The metadata fields a manager can own. */
const OWNED_METADATA = new Set(['labels', 'annotations', 'ownerReferences', 'finalizers']);
/** Top-level fields nobody applies. */
const NOT_APPLIED = new Set(['apiVersion', 'kind', 'status', 'metadata']);

/** Every leaf path `object` (a resource or an applied configuration of `kind`) sets. */
export function fieldsOf(kind: string, object: Json): FieldSet {
  const out: FieldSet = new Set();
  if (!isMap(object)) return out;
  for (const [key, value] of Object.entries(object)) {
    if (NOT_APPLIED.has(key)) continue;
    collect(kind, [key], [`f:${key}`], value, out);
  }
  const metadata = object['metadata'];
  if (isMap(metadata)) {
    for (const [key, value] of Object.entries(metadata)) {
      if (OWNED_METADATA.has(key)) collect(kind, ['metadata', key], ['f:metadata', `f:${key}`], value, out);
    }
  }
  return out;
}

/** `schema` is the field names with `[]` for list items, as strategic merge's mergeKeyOf reads them. */
function collect(kind: string, schema: string[], path: string[], value: Json, out: FieldSet): void {
  if (isMap(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value))
      collect(kind, [...schema, key], [...path, `f:${key}`], child, out);
    return;
  }
  const mergeKey = Array.isArray(value) ? mergeKeyOf(kind, schema) : undefined;
  if (mergeKey === undefined || !Array.isArray(value)) {
    out.add(pathKey(path));
    return;
  }
  for (const item of value) {
    if (!isMap(item) || item[mergeKey] === undefined) continue;
    const itemPath = [...path, itemSegment(mergeKey, item[mergeKey])];
    out.add(pathKey(itemPath));
    for (const [key, child] of Object.entries(item)) {
      collect(kind, [...schema, '[]', key], [...itemPath, `f:${key}`], child, out);
    }
  }
}

function itemSegment(mergeKey: string, value: Json): string {
  return `k:${JSON.stringify({ [mergeKey]: value })}`;
}

/** The value at `path` in `object`, or undefined when it is not there. */
export function valueAt(object: Json, path: FieldPath): Json {
  let node: Json = object;
  for (const segment of path) {
    if (segment.startsWith('f:')) {
      node = isMap(node) ? node[segment.slice(2)] : undefined;
    } else {
      node = Array.isArray(node) ? node[itemIndex(node, segment)] : undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes the field or list item at `path` from `object` (in place); nothing when absent. */
export function removeAt(object: Json, path: FieldPath): void {
  const parent = valueAt(object, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (last.startsWith('f:')) {
    if (isMap(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const at = itemIndex(parent, last);
    if (at >= 0) parent.splice(at, 1);
  }
}

/** The index of the list item a `k:{...}` segment names, -1 when none. */
function itemIndex(list: Json[], segment: string): number {
  const key = JSON.parse(segment.slice(2)) as JsonMap;
  return list.findIndex(
    (item) =>
      isMap(item) && Object.entries(key).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v)),
  );
}

/** A field set as a FieldsV1 tree (what `managedFields[].fieldsV1` holds). */
export function toFieldsV1(fields: FieldSet): JsonMap {
  const root: JsonMap = {};
  for (const key of [...fields].sort()) {
    const path = pathOf(key);
    let node = root;
    for (const segment of path) {
      const child = node[segment];
      node = isMap(child) ? child : (node[segment] = {});
    }
    if (path[path.length - 1]?.startsWith('k:') === true) node['.'] = {};
  }
  return root;
}

/** The field set a FieldsV1 tree describes; malformed parts are skipped. */
export function fromFieldsV1(tree: Json): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: JsonMap, path: string[]): void => {
    const children = Object.entries(node).filter(([segment]) => segment !== '.');
    if (path.length > 0 && (children.length === 0 || node['.'] !== undefined)) out.add(pathKey(path));
    for (const [segment, child] of children) if (isMap(child)) walk(child, [...path, segment]);
  };
  if (isMap(tree)) walk(tree, []);
  return out;
}

/** `.spec.replicas`, `.spec.template.spec.containers[name="app"].image`: kube-apiserver's wording. */
export function describePath(path: FieldPath): string {
  return path
    .map((segment) => {
      if (segment.startsWith('f:')) return `.${segment.slice(2)}`;
      const key = JSON.parse(segment.slice(2)) as JsonMap;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}
