// `automesh delete -f FILE|-`, `automesh delete ns A B C`, `automesh delete KIND NAME... [-n NS]`,
// `automesh delete KIND -l SELECTOR | --all`: kubectl's wording (`namespace "full" deleted`), and
// like kubectl it waits until what it deleted is gone (a namespace: with everything in it).
import { setTimeout as sleep } from 'node:timers/promises';
import { kindInfo, parseApiVersion, type KindInfo } from '../../api/index.js';
import { loadClient, nowMs, type MeshApi } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, flagStrings, formatFlagHelp, parseFlags } from '../flags.js';
import { reportError, serverReason } from '../output/report-error.js';
import { qualifiedKind } from '../output/resource-type.js';
import { decodeSources, ManifestError, parseDuration, placeInNamespace } from './apply.js';
import { DEFAULT_NAMESPACE, resolveKind } from './get.js';
import { checkWrite, reportWarnings } from '../write-check.js';

const FLAGS = [
  COMMON_FLAGS.filename,
  COMMON_FLAGS.namespace,
  COMMON_FLAGS.selector,
  { name: 'all', type: 'bool', usage: 'delete every object of the kind in the namespace' },
  { name: 'ignore-not-found', type: 'bool', usage: 'treat "not found" as a successful delete' },
  { name: 'wait', type: 'bool', usage: 'wait until the objects are gone (default true)' },
  { name: 'timeout', type: 'string', usage: 'how long to wait for the objects to go (default 60s)' },
  {
    name: 'dry-run',
    type: 'string',
    bareValue: 'client',
    usage: 'client|server|none: only print what would happen',
  },
  {
    name: 'force',
    type: 'bool',
    usage: 'delete even when values.automesh.safeChanges=refuse and observed traffic would fail',
  },
  COMMON_FLAGS.help,
] as const;

const USAGE =
  'automesh delete -f FILE | automesh delete KIND NAME... [-n NS] | automesh delete KIND (-l SEL | --all)';
const DEFAULT_TIMEOUT_MS = 60_000;
const POLL_MS = 200;

interface Target {
  kind: KindInfo;
  /** As kubectl names it in `deleted` lines: `deployment.apps`, `namespace`. */
  label: string;
  name: string;
  namespace: string | undefined;
}

function fromFiles(files: string[], namespace: string | undefined): Target[] {
  return placeInNamespace(decodeSources(files), namespace).map((r) => {
    const kind = kindInfo(r.kind)!;
    const group = parseApiVersion(r.apiVersion).group;
    return {
      kind,
      label: qualifiedKind({ ...kind, group }),
      name: r.metadata.name,
      namespace: r.metadata.namespace,
    };
  });
}

async function fromArguments(client: MeshApi, positionals: string[], opts: TargetOptions): Promise<Target[]> {
  const [first, ...rest] = positionals;
  if (first === undefined) throw new Error('You must provide one or more resources by argument or filename.');
  const slash = first.indexOf('/');
  const kind = resolveKind(slash === -1 ? first : first.slice(0, slash));
  const namespace = kind.namespaced ? opts.namespace : undefined;
  const target = (name: string): Target => ({ kind, label: qualifiedKind(kind), name, namespace });
  const names = slash === -1 ? rest : [first.slice(slash + 1), ...rest];
  if (names.length > 0) return names.map(target);
  if (opts.selector === undefined && !opts.all) {
    throw new Error('resource(s) were provided, but no name was specified');
  }
  const found = await client.list(kind, {
    ...(namespace === undefined ? {} : { namespace }),
    ...(opts.selector === undefined ? {} : { labelSelector: opts.selector }),
  });
  return found.map((o) => target(o.metadata?.name ?? ''));
}

interface TargetOptions {
  namespace: string;
  selector: string | undefined;
  all: boolean;
}

async function isGone(client: MeshApi, target: Target): Promise<boolean> {
  try {
    await client.get(target.kind, target.name, target.namespace);
    return false;
  } catch (error) {
    if (serverReason(error) === 'NotFound') return true;
    throw error;
  }
}

async function namespaceEmpty(client: MeshApi, namespace: string): Promise<boolean> {
  const pods = kindInfo('Pod');
  if (pods === undefined) return true;
  return (await client.list(pods, { namespace })).length === 0;
}

/** Polls until every deleted object (and every deleted namespace's pods) is gone. */
async function waitGone(client: MeshApi, targets: Target[], timeoutMs: number): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  let pending = targets;
  while (pending.length > 0) {
    const still: Target[] = [];
    for (const t of pending) {
      const gone = await isGone(client, t);
      const emptied = t.kind.kind !== 'Namespace' || (await namespaceEmpty(client, t.name));
      if (!gone || !emptied) still.push(t);
    }
    pending = still;
    if (pending.length === 0) return;
    if (nowMs() >= deadline) {
      throw new Error(
        `timed out waiting for the deletion of ${pending.map((t) => `${t.label}/${t.name}`).join(', ')}`,
      );
    }
    await sleep(POLL_MS);
  }
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(
        formatFlagHelp(USAGE, 'Delete resources by file names, stdin, kinds and names, or selector.', FLAGS),
      );
      return 0;
    }
    const files = flagStrings(flags, 'filename');
    const flagNamespace = flagString(flags, 'namespace');
    const client = await loadClient();
    const targets =
      files.length > 0
        ? fromFiles(files, flagNamespace)
        : await fromArguments(client, flags.positionals, {
            namespace: flagNamespace ?? DEFAULT_NAMESPACE,
            selector: flagString(flags, 'selector'),
            all: flagBool(flags, 'all'),
          });
    if (targets.length === 0) {
      process.stderr.write('No resources found\n');
      return 0;
    }
    const dryRun = flagString(flags, 'dry-run') ?? 'none';
    if (!['none', 'client', 'server'].includes(dryRun)) {
      throw new Error(`Invalid dry-run value (${dryRun}). Must be "none", "server", or "client".`);
    }
    const check = await checkWrite(
      client,
      targets.map((t) => ({
        object: `${t.label}/${t.name}`,
        remove: { kind: t.kind.kind, namespace: t.namespace, name: t.name },
      })),
    );
    if (reportWarnings(check, flagBool(flags, 'force') || dryRun !== 'none')) return 1;
    if (dryRun !== 'none') {
      const suffix = dryRun === 'client' ? ' (dry run)' : ' (server dry run)';
      for (const t of targets) process.stdout.write(`${t.label} "${t.name}" deleted${suffix}\n`);
      return 0;
    }
    const deleted: Target[] = [];
    let failed = false;
    for (const target of targets) {
      try {
        await client.delete(target.kind, target.name, target.namespace);
        process.stdout.write(`${target.label} "${target.name}" deleted\n`);
        deleted.push(target);
      } catch (error) {
        if (serverReason(error) === 'NotFound' && flagBool(flags, 'ignore-not-found')) continue;
        failed = true;
        reportError(error);
      }
    }
    if (flags.values.get('wait') !== false) {
      const timeout = flagString(flags, 'timeout');
      await waitGone(client, deleted, timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeout));
    }
    return failed ? 1 : 0;
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`${error.toString()}\n`);
      return 1;
    }
    return reportError(error);
  }
}
