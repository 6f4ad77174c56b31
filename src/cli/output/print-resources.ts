// Renders what `automesh get` found in the chosen output format. Pure: returns the text for
// stdout and stderr, the command writes it.
import { columnsFor, type AnyObject } from './columns.js';
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
}

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
      const columns = columnsFor(type.kind, { wide: format.wide, allNamespaces: options.allNamespaces });
      const rows = objects.map((o) => columns.map((c) => c.cell(o, options.nowMs)));
      return {
        stdout: formatTable(
          columns.map((c) => c.header),
          rows,
        ),
        stderr: '',
      };
    }
  }
}
