// `automesh install --set KEY=VALUE...` (and `automesh manifest apply ...`, istioctl's older
// spelling): stores the mesh values in ConfigMap `<root namespace>/automesh` and applies the
// default resources they select (root namespace, `MeshPolicy default`, and the `default`
// DestinationRule when mTLS is enabled with auto off), all in one batch. Running it again with other
// values changes the mesh live.
import type {
  ConfigMap,
  DestinationRule,
  KindInfo,
  MeshSettings,
  Namespace,
  Resource,
} from '../../api/index.js';
import { DEFAULT_MESH_SETTINGS, kindInfo } from '../../api/index.js';
import {
  breakingChanges,
  meshDefaults,
  meshStateFromResources,
  parseMeshValues,
  type BrokenPair,
} from '../../policy/index.js';
import { MESH_KINDS, meshSettingsFromValues } from '../../controlplane/index.js';
import { formatBrokenPairs } from '../output/broken-pairs.js';
import { loadClient, type MeshApi } from '../context.js';
import { flagBool, flagStrings, formatFlagHelp, parseFlags } from '../flags.js';
import { reportError, serverReason } from '../output/report-error.js';
import { toYaml } from '../output/serialize.js';
import { checkWrite, reportWarnings } from '../write-check.js';
import { refOf } from './apply.js';

const FLAGS = [
  {
    name: 'set',
    short: 's',
    type: 'strings',
    usage: 'KEY=VALUE mesh value, e.g. values.global.mtls.auto=true',
  },
  { name: 'skip-confirmation', short: 'y', type: 'bool', usage: 'do not ask for confirmation' },
  { name: 'force', type: 'bool', usage: 'apply even when the change would break running traffic' },
  { name: 'help', short: 'h', type: 'bool', usage: 'help for install' },
] as const;

const USAGE = 'automesh install [--set KEY=VALUE...]   (also: automesh manifest apply [--set KEY=VALUE...])';

export const MESH_VALUES_CONFIGMAP = 'automesh';
/** Marks what install created, so a later install may remove what the new values no longer want. */
export const INSTALLED_BY_ANNOTATION = 'automesh.io/installed-by';
const DEFAULT_PROFILE = 'default';

/** The values ConfigMap: the `--set` keys the control plane reads, as strings. */
export function valuesConfigMap(settings: MeshSettings, profile: string): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: MESH_VALUES_CONFIGMAP, namespace: settings.rootNamespace },
    data: {
      profile,
      'values.global.mtls.auto': String(settings.autoMtls),
      'values.global.mtls.enabled': String(settings.mtlsEnabled),
      'values.automesh.requireMtls': String(settings.requireMtls),
      'values.automesh.safeChanges': settings.safeChanges,
      'values.automesh.observationWindowSeconds': String(settings.observationWindowSeconds),
      'values.global.trustDomain': settings.trustDomain,
    },
  };
}

/** Everything install applies for `settings`, in order. */
export function installResources(settings: MeshSettings, profile: string): Resource[] {
  const namespace: Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: settings.rootNamespace },
  };
  const defaults = meshDefaults(settings, settings.rootNamespace).map((r): Resource => ({
    ...r,
    metadata: {
      ...r.metadata,
      annotations: { ...r.metadata.annotations, [INSTALLED_BY_ANNOTATION]: 'install' },
    },
  }));
  return [namespace, valuesConfigMap(settings, profile), ...defaults];
}

function profileOf(sets: string[]): string {
  const last = sets.filter((s) => s.startsWith('profile=')).pop();
  return last === undefined ? DEFAULT_PROFILE : last.slice('profile='.length);
}

/** Removes the `default` DestinationRule an earlier install created when the new values do not want it. */
async function pruneDefaultRule(client: MeshApi, wanted: Resource[], rootNamespace: string): Promise<void> {
  if (wanted.some((r) => r.kind === 'DestinationRule')) return;
  const kind: KindInfo | undefined = kindInfo('DestinationRule');
  if (kind === undefined) return;
  try {
    const existing = (await client.get(kind, 'default', rootNamespace)) as unknown as DestinationRule;
    if (existing.metadata.annotations?.[INSTALLED_BY_ANNOTATION] !== 'install') return;
    await client.delete(kind, 'default', rootNamespace);
    process.stdout.write('✔ Removed DestinationRule default (mTLS no longer forced by install)\n');
  } catch (error) {
    if (serverReason(error) !== 'NotFound') throw error;
  }
}

/** The mesh's resources once install replaced its defaults (MeshPolicy default, the default rule). */
export function afterInstall(current: Resource[], wanted: Resource[], rootNamespace: string): Resource[] {
  const replaced = (r: Resource): boolean =>
    (r.kind === 'MeshPolicy' && r.metadata.name === 'default') ||
    (r.kind === 'DestinationRule' &&
      r.metadata.namespace === rootNamespace &&
      r.metadata.name === 'default' &&
      r.metadata.annotations?.[INSTALLED_BY_ANNOTATION] === 'install');
  const defaults = wanted.filter((r) => r.kind === 'MeshPolicy' || r.kind === 'DestinationRule');
  return [...current.filter((r) => !replaced(r)), ...defaults];
}

/** Client → server pairs that work now and would fail with the new values. */
async function wouldBreak(
  client: MeshApi,
  settings: MeshSettings,
  wanted: Resource[],
): Promise<BrokenPair[]> {
  // What the control plane's registry reads, less the values ConfigMap (fetched on its own below).
  const kinds = MESH_KINDS.filter((k) => k !== 'ConfigMap').flatMap((k) => kindInfo(k) ?? []);
  const lists = await Promise.all(kinds.map((kind) => client.list(kind, {})));
  const current = lists.flat() as unknown as Resource[];
  const configMap = kindInfo('ConfigMap');
  let values: ConfigMap | undefined;
  try {
    if (configMap !== undefined) {
      values = (await client.get(
        configMap,
        MESH_VALUES_CONFIGMAP,
        settings.rootNamespace,
      )) as unknown as ConfigMap;
    }
  } catch (error) {
    if (serverReason(error) !== 'NotFound') throw error;
  }
  const before = meshStateFromResources(
    current,
    meshSettingsFromValues(values, { ...DEFAULT_MESH_SETTINGS, rootNamespace: settings.rootNamespace }),
  );
  const after = meshStateFromResources(afterInstall(current, wanted, settings.rootNamespace), settings);
  return breakingChanges(before, after);
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, 'Install or reconfigure the mesh.', FLAGS));
      return 0;
    }
    if (flags.positionals.length > 0) throw new Error(`unexpected arguments: ${flags.positionals.join(' ')}`);
    const sets = flagStrings(flags, 'set');
    const parsed = parseMeshValues(sets);
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors) process.stderr.write(`error: ${e}\n`);
      return 1;
    }
    const resources = installResources(parsed.settings, profileOf(sets));
    const client = await loadClient();
    // Observed pairs first, in the form apply and delete print them (the values ConfigMap among
    // the resources carries the new values); then every pair, working or not, is refused below.
    const observed = await checkWrite(
      client,
      resources.map((r) => ({ object: refOf(r), put: r })),
    );
    reportWarnings(observed, true); // install refuses on its own terms below
    if (!flagBool(flags, 'force')) {
      const broken = await wouldBreak(client, parsed.settings, resources);
      if (broken.length > 0) {
        process.stderr.write(
          `error: this change would break traffic that works now (${broken.length} client → server pairs):\n` +
            `${formatBrokenPairs(broken)}Nothing was changed. Run again with --force to apply it anyway.\n`,
        );
        return 1;
      }
    }
    await client.apply(resources);
    process.stdout.write('✔ Mesh values applied\n');
    await pruneDefaultRule(client, resources, parsed.settings.rootNamespace);
    process.stdout.write('✔ Installation complete\n');
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

/** `automesh manifest apply|generate ...`: istioctl's older spelling of install. */
export async function runManifest(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'apply') return run(rest);
  if (sub === 'generate') return generate(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(
      'Usage:\n  automesh manifest apply [--set KEY=VALUE...]     install or reconfigure the mesh\n' +
        '  automesh manifest generate [--set KEY=VALUE...]  print what install would apply\n',
    );
    return sub === undefined ? 1 : 0;
  }
  process.stderr.write(`error: unknown command "${sub}" for "automesh manifest"\n`);
  return 1;
}

function generate(args: string[]): number {
  try {
    const flags = parseFlags(args, FLAGS);
    const sets = flagStrings(flags, 'set');
    const parsed = parseMeshValues(sets);
    if (parsed.errors.length > 0) {
      for (const e of parsed.errors) process.stderr.write(`error: ${e}\n`);
      return 1;
    }
    const docs = installResources(parsed.settings, profileOf(sets)).map((r) => toYaml(r));
    process.stdout.write(docs.join('---\n'));
    return 0;
  } catch (error) {
    return reportError(error);
  }
}
