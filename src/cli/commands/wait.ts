// `automesh wait --for=condition=Ready pods --all -n NS [--timeout=60s]`, `wait --for=condition=Ready
// pod/NAME`, `wait --for=delete pod/NAME`: polls the API server and prints `pod/x condition met` as
// each object gets there; on timeout names every object that did not, like kubectl.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KindInfo } from '../../api/index.js';
import { loadClient, nowMs, type MeshApi } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { AnyObject } from '../../api/table-columns.js';
import { reportError, serverReason } from '../output/report-error.js';
import { qualifiedKind } from '../output/resource-type.js';
import { parseDuration } from './apply.js';
import { DEFAULT_NAMESPACE, resolveKind } from './get.js';

const FLAGS = [
  { name: 'for', type: 'string', usage: 'condition=NAME[=VALUE] or delete' },
  { name: 'all', type: 'bool', usage: 'every object of the kind in the namespace' },
  { name: 'timeout', type: 'string', usage: 'give up after this long (default 30s)' },
  COMMON_FLAGS.namespace,
  COMMON_FLAGS.selector,
  COMMON_FLAGS.help,
] as const;

const USAGE =
  'automesh wait --for=condition=Ready (KIND --all | KIND -l SEL | KIND/NAME...) [-n NS] [--timeout=30s]';
const DEFAULT_TIMEOUT_MS = 30_000;
const POLL_MS = 250;

export type WaitFor = { type: 'condition'; condition: string; value: string } | { type: 'delete' };

/** Parses `--for`: `condition=Ready`, `condition=Ready=false`, `delete`. */
export function parseWaitFor(text: string | undefined): WaitFor {
  if (text === 'delete') return { type: 'delete' };
  const match = /^condition=([^=]+)(?:=(.*))?$/.exec(text ?? '');
  if (match === null) {
    throw new Error(`unrecognized condition: "${text ?? ''}" (use --for=condition=Ready or --for=delete)`);
  }
  return { type: 'condition', condition: match[1]!, value: match[2] ?? 'true' };
}

interface Condition {
  type?: string;
  status?: string;
}

/** Whether the object's status condition has the wanted value; derived when no conditions are kept. */
export function conditionMet(object: AnyObject, condition: string, value: string): boolean {
  const status = object['status'] as { conditions?: Condition[] } | undefined;
  const found = status?.conditions?.find((c) => c.type?.toLowerCase() === condition.toLowerCase());
  if (found !== undefined) return found.status?.toLowerCase() === value.toLowerCase();
  const derived = derivedCondition(object, condition);
  return derived !== undefined && String(derived) === value.toLowerCase();
}

function derivedCondition(object: AnyObject, condition: string): boolean | undefined {
  const status = (object['status'] ?? {}) as {
    phase?: string;
    containerStatuses?: { ready?: boolean }[];
    readyReplicas?: number;
    availableReplicas?: number;
  };
  const wanted = condition.toLowerCase();
  if (object['kind'] === 'Pod' && wanted === 'ready') {
    const statuses = status.containerStatuses ?? [];
    return status.phase === 'Running' && statuses.length > 0 && statuses.every((s) => s.ready === true);
  }
  if (object['kind'] === 'Deployment' && wanted === 'available') {
    const replicas = (object['spec'] as { replicas?: number } | undefined)?.replicas ?? 1;
    return (status.availableReplicas ?? status.readyReplicas ?? 0) >= replicas;
  }
  return undefined;
}

interface Target {
  kind: KindInfo;
  name: string;
  namespace: string | undefined;
}

async function resolveTargets(
  client: MeshApi,
  positionals: string[],
  opts: TargetOptions,
): Promise<Target[]> {
  const [first, ...rest] = positionals;
  if (first === undefined) throw new Error('You must provide one or more resources by argument or filename.');
  const at = (kind: KindInfo, name: string): Target => ({
    kind,
    name,
    namespace: kind.namespaced ? opts.namespace : undefined,
  });
  if (first.includes('/')) {
    return positionals.map((arg) => {
      const slash = arg.indexOf('/');
      if (slash === -1)
        throw new Error(
          `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form`,
        );
      return at(resolveKind(arg.slice(0, slash)), arg.slice(slash + 1));
    });
  }
  const kind = resolveKind(first);
  if (rest.length > 0) return rest.map((name) => at(kind, name));
  if (!opts.all && opts.selector === undefined) {
    throw new Error(
      'resource(s) were provided, but no name was specified (use --all, -l SELECTOR or KIND/NAME)',
    );
  }
  const namespace = kind.namespaced ? opts.namespace : undefined;
  const found = await client.list(kind, {
    ...(namespace === undefined ? {} : { namespace }),
    ...(opts.selector === undefined ? {} : { labelSelector: opts.selector }),
  });
  return found.map((o) => at(kind, o.metadata?.name ?? '')).sort((a, b) => a.name.localeCompare(b.name));
}

interface TargetOptions {
  namespace: string;
  selector: string | undefined;
  all: boolean;
}

async function satisfied(client: MeshApi, target: Target, waitFor: WaitFor): Promise<boolean> {
  try {
    const object = await client.get(target.kind, target.name, target.namespace);
    return waitFor.type === 'condition' && conditionMet(object, waitFor.condition, waitFor.value);
  } catch (error) {
    if (serverReason(error) === 'NotFound') return waitFor.type === 'delete';
    throw error;
  }
}

const ref = (t: Target): string => `${qualifiedKind(t.kind)}/${t.name}`;

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, 'Wait for a condition on one or many resources.', FLAGS));
      return 0;
    }
    const waitFor = parseWaitFor(flagString(flags, 'for'));
    const timeout = flagString(flags, 'timeout');
    const deadline = nowMs() + (timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeout));
    const client = await loadClient();
    let pending = await resolveTargets(client, flags.positionals, {
      namespace: flagString(flags, 'namespace') ?? DEFAULT_NAMESPACE,
      selector: flagString(flags, 'selector'),
      all: flagBool(flags, 'all'),
    });
    if (pending.length === 0) throw new Error('no matching resources found');
    for (;;) {
      const still: Target[] = [];
      for (const target of pending) {
        if (await satisfied(client, target, waitFor)) {
          process.stdout.write(`${ref(target)} ${waitFor.type === 'delete' ? 'deleted' : 'condition met'}\n`);
        } else still.push(target);
      }
      pending = still;
      if (pending.length === 0) return 0;
      if (nowMs() >= deadline) {
        for (const t of pending) {
          process.stderr.write(`error: timed out waiting for the condition on ${t.kind.plural}/${t.name}\n`);
        }
        return 1;
      }
      await sleep(POLL_MS);
    }
  } catch (error) {
    return reportError(error);
  }
}
