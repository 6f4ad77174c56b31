// Renders what `automesh get` found in the chosen output format. Pure: returns the text for
// stdout and stderr, the command writes it.
import { columnsFor, type AnyObject, type Column } from '../../api/table-columns.js';
import { evalJsonPath } from './jsonpath.js';
import type { OutputFormat } from './output-format.js';
import { objectRef, type ResourceType } from './resource-type.js';
import { asList, toJson, toYaml } from './serialize.js';
import { formatTable } from './table.js';

export interface PrintOptions {
  format: OutputFormat;
  /** Listing across namespaces: adds the NAMESPACE column. */
  allNamespaces: boolean;
  /** The namespace listed, for `No resources found in NS namespace.`; undefined for cluster scope. */
  namespace: string | undefined;
  /** A single object was asked for by name: print it bare, not as a List. */
  single: boolean;
  nowMs: number;
  /** Names as `kind/name` in tables, as kubectl prints them when several kinds were asked for. */
  kindPrefix?: boolean;
  /** `--no-headers`: tables without their header line. */
  noHeaders?: boolean;
  /** `--show-labels`: a LABELS column at the end of tables. */
  showLabels?: boolean;
}

const LABELS_COLUMN: Column = {
  header: 'LABELS',
  cell: (o) => {
    const labels = Object.entries(
      (o.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {},
    );
    return labels.length === 0 ? '<none>' : labels.map(([k, v]) => `${k}=${v}`).join(',');
  },
};

export interface Printed {
  stdout: string;
  stderr: string;
}

/** kubectl's message for an empty list. */
export function noResourcesMessage(namespace: string | undefined): string {
  return namespace === undefined ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`;
}

/** Prints objects of one kind; throws JsonPathError for a bad template. */
export function printResources(
  type: ResourceType,
  objects: readonly AnyObject[],
  options: PrintOptions,
): Printed {
  const { format } = options;
  const data = options.single && objects.length === 1 ? objects[0] : asList(objects);
  const empty = objects.length === 0 && !options.single;
  const emptyNote = empty ? noResourcesMessage(options.namespace) : '';
  switch (format.type) {
    case 'yaml':
      return { stdout: toYaml(data), stderr: '' };
    case 'json':
      return { stdout: toJson(data), stderr: '' };
    case 'jsonpath':
      return { stdout: evalJsonPath(format.template, data), stderr: '' };
    case 'name':
      return {
        stdout: objects.map((o) => `${objectRef(type, o.metadata?.name ?? '')}\n`).join(''),
        stderr: emptyNote,
      };
    case 'table': {
      if (empty) return { stdout: '', stderr: emptyNote };
      const columns = [
        ...columnsFor(type.kind, {
          wide: format.wide,
          allNamespaces: options.allNamespaces && type.namespaced,
        }),
        ...(options.showLabels === true ? [LABELS_COLUMN] : []),
      ];
      const nameAt = columns.findIndex((c) => c.header === 'NAME');
      const rows = objects.map((o) =>
        columns.map((c, i) => {
          const cell = c.cell(o, options.nowMs);
          return options.kindPrefix === true && i === nameAt ? objectRef(type, cell) : cell;
        }),
      );
      const text = formatTable(
        columns.map((c) => c.header),
        rows,
      );
      return { stdout: options.noHeaders === true ? text.slice(text.indexOf('\n') + 1) : text, stderr: '' };
    }
  }
}

/** One kind's objects, for `get KIND1,KIND2`. */
export interface ResourceGroup {
  type: ResourceType;
  objects: readonly AnyObject[];
}

/**
 * Prints several kinds as kubectl does: one table per kind that has objects, blank-line separated,
 * names as `kind/name`; yaml, json and jsonpath over one List holding everything.
 */
export function printGroups(groups: readonly ResourceGroup[], options: PrintOptions): Printed {
  const [only] = groups;
  if (groups.length === 1 && only !== undefined) return printResources(only.type, only.objects, options);
  const all = groups.flatMap((g) => g.objects);
  const { format } = options;
  if (format.type !== 'table' && format.type !== 'name') {
    return printResources(only?.type ?? EMPTY_TYPE, all, { ...options, single: false });
  }
  const printed = groups
    .filter((g) => g.objects.length > 0)
    .map((g) => printResources(g.type, g.objects, { ...options, single: false, kindPrefix: true }).stdout);
  if (printed.length === 0) return { stdout: '', stderr: noResourcesMessage(options.namespace) };
  return { stdout: printed.join(format.type === 'table' ? '\n' : ''), stderr: '' };
}

const EMPTY_TYPE: ResourceType = { kind: 'List', group: '', plural: '', namespaced: false };
