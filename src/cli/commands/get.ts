// `automesh get KIND [NAME...] [-n NS | -A] [-l SELECTOR] [-o wide|yaml|json|name|jsonpath=T]`,
// printing what `kubectl get` prints. Also accepts `KIND/NAME`.
import { findKind, type KindInfo } from '../../api/index.js';
import { loadClient, nowMs, type MeshApi } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { AnyObject } from '../output/columns.js';
import { parseOutputFormat } from '../output/output-format.js';
import { printResources } from '../output/print-resources.js';
import { reportError } from '../output/report-error.js';

const FLAGS = [
  COMMON_FLAGS.namespace,
  COMMON_FLAGS.allNamespaces,
  COMMON_FLAGS.selector,
  COMMON_FLAGS.output,
  COMMON_FLAGS.help,
];

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
  allNamespaces: boolean;
  selector: string | undefined;
}

function parseQuery(
  positionals: string[],
  namespace: string,
  allNamespaces: boolean,
  selector?: string,
): Query {
  const [first, ...more] = positionals;
  if (first === undefined) {
    throw new Error('you must specify the type of resource to get. Use "automesh get --help" for the kinds');
  }
  const slash = first.indexOf('/');
  const kind = resolveKind(slash === -1 ? first : first.slice(0, slash));
  const names = slash === -1 ? more : [first.slice(slash + 1), ...more];
  if (allNamespaces && names.length > 0) {
    throw new Error('a resource cannot be retrieved by name across all namespaces');
  }
  return {
    kind,
    names,
    namespace: kind.namespaced && !allNamespaces ? namespace : undefined,
    allNamespaces: allNamespaces && kind.namespaced,
    selector,
  };
}

const byNamespaceAndName = (a: AnyObject, b: AnyObject): number =>
  (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') ||
  (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

async function fetch(client: MeshApi, q: Query): Promise<{ objects: AnyObject[]; failures: unknown[] }> {
  if (q.names.length === 0) {
    const objects = await client.list(q.kind, {
      ...(q.namespace === undefined ? {} : { namespace: q.namespace }),
      ...(q.selector === undefined ? {} : { labelSelector: q.selector }),
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
    const query = parseQuery(
      flags.positionals,
      flagString(flags, 'namespace') ?? DEFAULT_NAMESPACE,
      flagBool(flags, 'all-namespaces'),
      flagString(flags, 'selector'),
    );
    const client = await loadClient();
    const { objects, failures } = await fetch(client, query);
    const printed = printResources(query.kind, objects, {
      format,
      allNamespaces: query.allNamespaces,
      namespace: query.namespace,
      single: query.names.length === 1,
      nowMs: nowMs(),
    });
    if (failures.length === 0 || objects.length > 0) process.stdout.write(printed.stdout);
    process.stderr.write(printed.stderr);
    for (const failure of failures) reportError(failure);
    return failures.length === 0 ? 0 : 1;
  } catch (error) {
    return reportError(error);
  }
}
