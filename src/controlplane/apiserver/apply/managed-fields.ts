// Server-side apply's bookkeeping (kube-apiserver's field managers), pure: who owns which fields
// of an object, what an apply makes of the object (merge, conflicts, fields the manager dropped),
// and how a plain write (create, replace, patch) moves ownership to its writer.
//
// Rules, as kube-apiserver keeps them:
// - An apply by manager M sets every field of its configuration. A field another manager owns with
//   a different value is a conflict (409 listing each) unless `force`, which takes it over. Equal
//   values are shared: both own them.
// - A field M applied before and leaves out now is removed, unless someone else owns it too.
// - A plain write by M owns what it changed (operation Update) and takes those fields from the
//   others; fields it removed leave every set.
// Simplification, documented in the README: ownership is tracked from an object's first apply on;
// writes to an object that was never applied server-side record nothing (so that first apply takes
// over every field without conflict).

import type { Resource } from '../../../api/index.js';
import { mergeKeyOf } from '../patch/strategic-merge-patch.js';
import type { FieldSet } from './field-set.js';
import {
  describePath,
  fieldsOf,
  fromFieldsV1,
  isMap,
  pathOf,
  removeAt,
  toFieldsV1,
  valueAt,
} from './field-set.js';

type Json = unknown;
type JsonMap = Record<string, Json>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonMap;
}

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fields: FieldSet;
}

export interface FieldConflict {
  manager: string;
  apiVersion: string;
  /** `.spec.replicas` */
  field: string;
}

export type ApplyOutcome = { ok: true; object: Resource } | { ok: false; conflicts: FieldConflict[] };

export interface ApplyInput {
  kind: string;
  /** The stored object; undefined when the apply creates it. */
  current: Resource | undefined;
  /** The manager's configuration: what it wants set. */
  applied: JsonMap;
  manager: string;
  force: boolean;
  /** RFC 3339, for the entry's `time`. */
  now: string;
}

/**
 * Whether the field at `key` has the same value in both: for a list item (a `k:` path), that it
 * exists in both (its fields are paths of their own).
 */
function sameAt(a: Json, b: Json, key: string): boolean {
  const path = pathOf(key);
  const [x, y] = [valueAt(a, path), valueAt(b, path)];
  if (path[path.length - 1]?.startsWith('k:') === true) return (x === undefined) === (y === undefined);
  return JSON.stringify(x) === JSON.stringify(y);
}

function ownersOf(resource: Resource | undefined): Owner[] {
  const entries = resource?.metadata.managedFields ?? [];
  return entries.flatMap((entry): Owner[] => {
    if (!isMap(entry) || typeof entry['manager'] !== 'string') return [];
    return [
      {
        manager: entry['manager'],
        operation: entry['operation'] === 'Apply' ? 'Apply' : 'Update',
        apiVersion: typeof entry['apiVersion'] === 'string' ? entry['apiVersion'] : '',
        time: typeof entry['time'] === 'string' ? entry['time'] : '',
        fields: fromFieldsV1(entry['fieldsV1']),
      },
    ];
  });
}

function entriesOf(owners: Owner[]): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.fields.size > 0)
    .map((o) => ({
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: o.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(o.fields),
    }));
}

/** What an apply by `input.manager` makes of the object, or the conflicts that stop it. */
export function applyConfiguration(input: ApplyInput): ApplyOutcome {
  const { kind, current, applied, manager } = input;
  const owners = ownersOf(current);
  const isMine = (o: Owner) => o.manager === manager && o.operation === 'Apply';
  const wanted = fieldsOf(kind, applied);
  const conflicts: { owner: Owner; key: string }[] = [];
  for (const owner of owners) {
    if (isMine(owner)) continue;
    for (const key of wanted) {
      if (owner.fields.has(key) && !sameAt(current, applied, key)) conflicts.push({ owner, key });
    }
  }
  if (conflicts.length > 0 && !input.force) {
    return {
      ok: false,
      conflicts: conflicts.map(({ owner, key }) => ({
        manager: owner.manager,
        apiVersion: owner.apiVersion,
        field: describePath(pathOf(key)),
      })),
    };
  }
  for (const { owner, key } of conflicts) owner.fields.delete(key);

  const base: JsonMap = current === undefined ? {} : (structuredClone(current) as unknown as JsonMap);
  const object = mergeApplied(kind, [], base, applied) as JsonMap;
  // Fields this manager applied before and leaves out now go, unless another manager owns them.
  const before = owners.find(isMine)?.fields ?? new Set<string>();
  const ownedElsewhere = (key: string) => owners.some((o) => !isMine(o) && o.fields.has(key));
  const dropped = [...before].filter((key) => !wanted.has(key) && !ownedElsewhere(key));
  // Deepest first, so that removing a list item does not shift the path of another.
  for (const key of dropped.sort((a, b) => pathOf(b).length - pathOf(a).length))
    removeAt(object, pathOf(key));

  const apiVersion = typeof applied['apiVersion'] === 'string' ? applied['apiVersion'] : '';
  const next: Owner[] = [
    ...owners.filter((o) => !isMine(o)),
    { manager, operation: 'Apply', apiVersion, time: input.now, fields: wanted },
  ];
  const resource = object as unknown as Resource;
  resource.metadata = { ...resource.metadata, managedFields: entriesOf(next) as unknown as JsonMap[] };
  return { ok: true, object: resource };
}

/**
 * The applied configuration merged into the stored object: maps field by field, lists that merge
 * by key item by item (the configuration's items first, in its order, then the others), anything
 * else replaced by the configuration's value.
 */
function mergeApplied(kind: string, schema: string[], current: Json, applied: Json): Json {
  if (isMap(applied)) {
    const result: JsonMap = isMap(current) ? { ...current } : {};
    for (const [key, value] of Object.entries(applied)) {
      result[key] = mergeApplied(kind, [...schema, key], result[key], value);
    }
    return result;
  }
  const mergeKey = Array.isArray(applied) ? mergeKeyOf(kind, schema) : undefined;
  if (mergeKey === undefined || !Array.isArray(applied)) return structuredClone(applied);
  const existing: Json[] = Array.isArray(current) ? (current as Json[]) : [];
  const keyOf = (item: Json) => (isMap(item) ? JSON.stringify(item[mergeKey]) : undefined);
  const appliedKeys = new Set(applied.map(keyOf));
  const merged = applied.map((item) => {
    const match = existing.find((e) => keyOf(e) !== undefined && keyOf(e) === keyOf(item));
    return mergeApplied(kind, [...schema, '[]'], match, item);
  });
  return [...merged, ...existing.filter((e) => !appliedKeys.has(keyOf(e)))];
}

/**
 * managedFields after a plain write by `manager` turned `before` into `after`: it owns what it
 * changed, the others lose that and whatever was removed. Undefined when `before` has no
 * managedFields (ownership starts with the first server-side apply).
 */
export function recordUpdate(
  kind: string,
  before: Resource,
  after: Resource,
  manager: string,
  now: string,
): ManagedFieldsEntry[] | undefined {
  const owners = ownersOf(before);
  if (owners.length === 0) return undefined;
  const old = fieldsOf(kind, before);
  const updated = fieldsOf(kind, after);
  const changed = [...updated].filter((key) => !old.has(key) || !sameAt(before, after, key));
  const removed = [...old].filter((key) => !updated.has(key));
  if (changed.length === 0 && removed.length === 0) return entriesOf(owners);
  const isMine = (o: Owner) => o.manager === manager && o.operation === 'Update';
  for (const owner of owners) {
    if (isMine(owner)) continue;
    for (const key of [...changed, ...removed]) owner.fields.delete(key);
  }
  const mine = owners.find(isMine);
  const fields = new Set([...(mine?.fields ?? []), ...changed]);
  for (const key of removed) fields.delete(key);
  const next: Owner[] = [
    ...owners.filter((o) => !isMine(o)),
    { manager, operation: 'Update', apiVersion: after.apiVersion, time: now, fields },
  ];
  return entriesOf(next);
}

/** kube-apiserver's conflict message: `Apply failed with 1 conflict: conflict with "m" using apps/v1: .spec.replicas`. */
export function conflictMessage(conflicts: readonly FieldConflict[]): string {
  const n = conflicts.length;
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`);
  return n === 1
    ? `Apply failed with 1 conflict: ${lines[0]}`
    : `Apply failed with ${n} conflicts: ${lines.join('\n')}`;
}

/**
 * `resource`'s managedFields after `manager` wrote it over `current`: ownership of what it changed
 * (on objects applied server-side before), never what the body says.
 */
export function keepManagedFields(resource: Resource, current: Resource, manager: string, now: string): void {
  const recorded = recordUpdate(resource.kind, current, resource, manager, now);
  if (recorded === undefined) delete resource.metadata.managedFields;
  else resource.metadata.managedFields = recorded as unknown as Record<string, unknown>[];
}
