// `automesh apply -f FILE|- [-f ...] [-n NS] [--wait] [--dry-run]`: decodes every document, refuses
// the whole set if any is invalid (printing every problem), and applies the set as one atomic batch
// (the API server injects the sidecar into workloads of namespaces labelled for injection).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeManifests, formatProblem, kindInfo, parseApiVersion, type Resource } from '../../api/index.js';
import { loadClient, type MeshApi } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, flagStrings, formatFlagHelp, parseFlags } from '../flags.js';
import { objectRef } from '../output/resource-type.js';
import { reportError } from '../output/report-error.js';
import { checkWrite, reportWarnings } from '../write-check.js';
import { DEFAULT_NAMESPACE } from './get.js';

const FLAGS = [
  COMMON_FLAGS.filename,
  COMMON_FLAGS.namespace,
  { name: 'wait', type: 'bool', usage: 'wait until every proxy acknowledged the new config' },
  { name: 'timeout', type: 'string', usage: 'how long --wait waits (default 30s)' },
  {
    name: 'dry-run',
    type: 'string',
    bareValue: 'client',
    usage: 'client|server|none: only print what would happen',
  },
  {
    name: 'force',
    type: 'bool',
    usage: 'write even when values.automesh.safeChanges=refuse and observed traffic would fail',
  },
  COMMON_FLAGS.help,
] as const;

const USAGE = 'automesh apply -f FILE|- [-f FILE...] [-n NS] [--wait] [--dry-run] [--force]';
const DEFAULT_WAIT_MS = 30_000;
const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Reads `-f` arguments: files, `/dev/fd/N` from process substitution, `-` for stdin, directories. */
export function readSources(paths: readonly string[]): { source: string; text: string }[] {
  if (paths.length === 0) throw new Error('must specify one of -f and -k');
  return paths.flatMap((path) => {
    if (path === '-') return [{ source: '-', text: readFileSync(0, 'utf8') }];
    if (statSync(path).isDirectory()) {
      return readdirSync(path)
        .filter((f) => MANIFEST_EXTENSIONS.some((ext) => f.endsWith(ext)))
        .sort()
        .map((f) => ({ source: join(path, f), text: readFileSync(join(path, f), 'utf8') }));
    }
    return [{ source: path, text: readFileSync(path, 'utf8') }];
  });
}

/** Decodes and validates every source; throws one error listing every problem. */
export function decodeSources(paths: readonly string[]): Resource[] {
  const resources: Resource[] = [];
  const problems: string[] = [];
  for (const { source, text } of readSources(paths)) {
    const decoded = decodeManifests(text, source);
    resources.push(...decoded.resources);
    problems.push(...decoded.problems.map(formatProblem));
  }
  if (problems.length > 0) throw new ManifestError(problems);
  if (resources.length === 0) throw new Error('no objects passed to apply');
  return resources;
}

/** Invalid manifests: every problem, one `error:` line each. */
export class ManifestError extends Error {
  readonly code = 'AUTOMESH_ERR_CLI_MANIFEST';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
  override toString(): string {
    return this.problems.map((p) => `error: ${p}`).join('\n');
  }
}

/**
 * Gives namespaced objects without a namespace the `-n` one (or `default`); an object naming
 * another namespace than `-n` is refused, as kubectl refuses it.
 */
export function placeInNamespace(resources: Resource[], flagNamespace: string | undefined): Resource[] {
  return resources.map((resource) => {
    const info = kindInfo(resource.kind);
    if (info !== undefined && !info.namespaced) return resource;
    const own = resource.metadata.namespace;
    if (own !== undefined && flagNamespace !== undefined && own !== flagNamespace) {
      throw new Error(
        `the namespace from the provided object "${own}" does not match the namespace "${flagNamespace}". You must pass '--namespace=${own}' to perform this operation.`,
      );
    }
    const namespace = own ?? flagNamespace ?? DEFAULT_NAMESPACE;
    return { ...resource, metadata: { ...resource.metadata, namespace } };
  });
}

/** `deployment.apps/httpbin`, with the group the object was written with (`deployment.extensions/x`). */
export function refOf(resource: {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: string };
}): string {
  const kind = typeof resource.kind === 'string' ? resource.kind : '';
  const group = parseApiVersion(typeof resource.apiVersion === 'string' ? resource.apiVersion : '').group;
  return objectRef({ kind, group, plural: '', namespaced: true }, resource.metadata?.name ?? '');
}

/** Parses a Go duration as kubectl's `--timeout` takes it: `30s`, `2m`, `1m30s`, `500ms`, `1h`. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`invalid duration "${text}": expected a number with a unit, like 30s or 2m`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2]!] ?? 0), 0);
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(
        formatFlagHelp(USAGE, 'Apply a configuration to a resource by file name or stdin.', FLAGS),
      );
      return 0;
    }
    const dryRun = flagString(flags, 'dry-run') ?? 'none';
    if (!['none', 'client', 'server'].includes(dryRun)) {
      throw new Error(`Invalid dry-run value (${dryRun}). Must be "none", "server", or "client".`);
    }
    if (flags.positionals.length > 0) throw new Error(`unexpected arguments: ${flags.positionals.join(' ')}`);
    const decoded = placeInNamespace(
      decodeSources(flagStrings(flags, 'filename')),
      flagString(flags, 'namespace'),
    );
    const client = await loadClient();
    // Observed pairs this write would make fail: warned on stderr, so stdout stays the page's.
    const check = await checkWrite(
      client,
      decoded.map((r) => ({ object: refOf(r), put: r })),
    );
    if (reportWarnings(check, flagBool(flags, 'force') || dryRun !== 'none')) return 1;
    const outcomes = await client.apply(decoded, { dryRun: dryRun !== 'none' });
    const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
    for (const { object, action } of outcomes) process.stdout.write(`${refOf(object)} ${action}${suffix}\n`);
    if (flagBool(flags, 'wait') && dryRun === 'none')
      await waitForProxies(client, flagString(flags, 'timeout'));
    return 0;
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`${error.toString()}\n`);
      return 1;
    }
    return reportError(error);
  }
}

async function waitForProxies(client: MeshApi, timeout: string | undefined): Promise<void> {
  const timeoutMs = timeout === undefined ? DEFAULT_WAIT_MS : parseDuration(timeout);
  const result = client.waitForSync === undefined ? undefined : await client.waitForSync(timeoutMs);
  if (result === undefined) {
    process.stderr.write('warning: this control plane cannot report proxy sync; --wait did not wait\n');
    return;
  }
  if (result.converged) return;
  const pods = result.notSynced.map(
    (p) => `${p.namespace}/${p.pod}${p.nackError ? ` (rejected: ${p.nackError})` : ''}`,
  );
  throw new Error(
    `timed out waiting for ${pods.length} of ${result.proxies} proxies to acknowledge the configuration: ${pods.join(', ')}`,
  );
}
