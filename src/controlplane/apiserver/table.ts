// `meta.k8s.io/v1` Table answers: what kubectl asks for (`Accept: application/json;as=Table;
// v=v1;g=meta.k8s.io`, then v1beta1, then plain JSON) to print `get` as people know it. The columns are the kinds' columns from
// src/api/table-columns.ts, the ones `automesh get` prints; `-o wide` columns have priority 1 (kubectl
// shows them only with -o wide). kubectl adds NAMESPACE, LABELS and the `kind/` name prefix itself,
// from each row's object metadata. Pure: the clock is an argument.

import type { Resource } from '../../api/index.js';
import { columnsFor, type AnyObject } from '../../api/table-columns.js';

/** What each row carries as `object` (the `includeObject` parameter); Metadata by default. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  name: string;
  type: 'string';
  format: string;
  description: string;
  priority: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  /** The list's metadata: resourceVersion, and continue/remainingItemCount on a page. */
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: { cells: string[]; object?: unknown }[];
}

function rowObject(object: Resource, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function parseIncludeObject(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** A Table of objects of one kind, with the list's metadata when given. */
export function toTable(
  kind: string,
  objects: readonly Resource[],
  options: { nowMs: number; includeObject: IncludeObject; metadata?: Table['metadata'] },
): Table {
  const columns = columnsFor(kind, { wide: true, allNamespaces: false });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.metadata ?? {},
    columnDefinitions: columns.map((c) => ({
      name: c.header,
      type: 'string',
      // kubectl finds the name column by its format, to print `deployment.apps/web` for several kinds.
      format: c.header === 'NAME' ? 'name' : '',
      description: '',
      priority: c.wide === true ? 1 : 0,
    })),
    rows: objects.map((object) => {
      const row = rowObject(object, options.includeObject);
      return {
        cells: columns.map((c) => c.cell(object as unknown as AnyObject, options.nowMs)),
        ...(row === undefined ? {} : { object: row }),
      };
    }),
  };
}

/** True when the Accept header asks for a v1 Table before plain JSON or anything else. */
export function acceptsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim());
    const values = new Map(params.map((p) => p.split('=', 2) as [string, string]));
    if (values.get('as') === 'Table') {
      // Only meta.k8s.io/v1 is served; kubectl's v1beta1 alternative comes after it.
      if (type === 'application/json' && values.get('g') === 'meta.k8s.io' && values.get('v') === 'v1')
        return true;
      continue;
    }
    // Plain JSON (or anything) preferred before any Table: answer with the object itself.
    if (type !== '') return false;
  }
  return false;
}
