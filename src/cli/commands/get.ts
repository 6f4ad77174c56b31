// `automesh get KIND [NAME...] [-n NS | -A] [-l SELECTOR] [-o wide|yaml|json|name|jsonpath=T]`,
// printing what `kubectl get` prints. Also accepts `KIND/NAME`.
import { findKind, type KindInfo } from '../../api/kinds.js';
import { loadClient, nowMs, type MeshApi } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { AnyObject } from '../../api/table-columns.js';
import { parseOutputFormat } from '../output/output-format.js';
import { printGroups, type ResourceGroup } from '../output/print-resources.js';
import { reportError } from '../output/report-error.js';

const FLAGS = [
  COMMON_FLAGS.namespace,
  COMMON_FLAGS.allNamespaces,
  COMMON_FLAGS.selector,
  COMMON_FLAGS.output,
  { name: 'no-headers', type: 'bool', usage: 'print tables without their header line' },
  { name: 'show-labels', type: 'bool', usage: 'add a LABELS column to tables' },
  COMMON_FLAGS.help,
] as const;

const USAGE =
  'automesh get KIND [NAME...] [-n NS | -A] [-l SELECTOR] [-o wide|yaml|json|name|jsonpath=TEMPLATE]';

export const DEFAULT_NAMESPACE = 'default';

/** Resolves a kubectl kind spelling, with kubectl's error for an unknown one. */
export function resolveKind(name: string): KindInfo {
  const kind = findKind(name);
  if (kind === undefined) throw new Error(`the server doesn't have a resource type "${name}"`);
  return kind;
}

interface Query {
  kind: KindInfo;
  names: string[];
  namespace: string | undefined;
}

interface Scope {
  namespace: string;
  allNamespaces: boolean;
}

/** `KIND[,KIND...] [NAME...]` or `KIND/NAME...` → one query per kind, in the order written. */
export function parseQueries(positionals: string[], scope: Scope): Query[] {
  const [first, ...more] = positionals;
  if (first === undefined) {
    throw new Error('you must specify the type of resource to get. Use "automesh get --help" for the kinds');
  }
  const byKind = new Map<KindInfo, string[]>();
  if (first.includes('/')) {
    for (const arg of positionals) {
      const slash = arg.indexOf('/');
      if (slash === -1)
        throw new Error(`arguments in resource/name form must have a single resource and name`);
      const kind = resolveKind(arg.slice(0, slash));
      byKind.set(kind, [...(byKind.get(kind) ?? []), arg.slice(slash + 1)]);
    }
  } else {
    const kinds = first
      .split(',')
      .filter((k) => k !== '')
      .map(resolveKind);
    if (kinds.length > 1 && more.length > 0) {
      throw new Error('you may only specify a single resource type when you give names');
    }
    for (const kind of kinds) byKind.set(kind, more);
  }
  const named = [...byKind.values()].some((names) => names.length > 0);
  if (scope.allNamespaces && named)
    throw new Error('a resource cannot be retrieved by name across all namespaces');
  return [...byKind].map(([kind, names]) => ({
    kind,
    names,
    namespace: kind.namespaced && !scope.allNamespaces ? scope.namespace : undefined,
  }));
}

const byNamespaceAndName = (a: AnyObject, b: AnyObject): number =>
  (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') ||
  (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

async function fetch(
  client: MeshApi,
  q: Query,
  selector: string | undefined,
): Promise<{ objects: AnyObject[]; failures: unknown[] }> {
  if (q.names.length === 0) {
    const objects = await client.list(q.kind, {
      ...(q.namespace === undefined ? {} : { namespace: q.namespace }),
      ...(selector === undefined ? {} : { labelSelector: selector }),
    });
    return { objects: [...objects].sort(byNamespaceAndName), failures: [] };
  }
  const objects: AnyObject[] = [];
  const failures: unknown[] = [];
  for (const name of q.names) {
    try {
      objects.push(await client.get(q.kind, name, q.namespace));
    } catch (error) {
      failures.push(error);
    }
  }
  return { objects, failures };
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, 'Display one or many resources.', FLAGS));
      return 0;
    }
    const format = parseOutputFormat(flagString(flags, 'output'));
    const allNamespaces = flagBool(flags, 'all-namespaces');
    const queries = parseQueries(flags.positionals, {
      namespace: flagString(flags, 'namespace') ?? DEFAULT_NAMESPACE,
      allNamespaces,
    });
    const client = await loadClient();
    const groups: ResourceGroup[] = [];
    const failures: unknown[] = [];
    for (const query of queries) {
      const found = await fetch(client, query, flagString(flags, 'selector'));
      groups.push({ type: query.kind, objects: found.objects });
      failures.push(...found.failures);
    }
    const [firstQuery] = queries;
    const printed = printGroups(groups, {
      format,
      allNamespaces: allNamespaces && queries.some((q) => q.kind.namespaced),
      namespace: queries.every((q) => q.namespace !== undefined) ? firstQuery?.namespace : undefined,
      single: queries.length === 1 && firstQuery?.names.length === 1,
      nowMs: nowMs(),
      noHeaders: flagBool(flags, 'no-headers'),
      showLabels: flagBool(flags, 'show-labels'),
    });
    if (failures.length === 0 || groups.some((g) => g.objects.length > 0))
      process.stdout.write(printed.stdout);
    process.stderr.write(printed.stderr);
    for (const failure of failures) reportError(failure);
    return failures.length === 0 ? 0 : 1;
  } catch (error) {
    return reportError(error);
  }
}
