// Before apply, delete or install writes: which observed client → server pairs the write would
// make fail (behaviour.md "Migration safety", warnings). The mesh as the control plane's registry
// reads it (MESH_KINDS) is listed once; each object of the write is laid over it in turn, and the
// pure policy/observed-breaks.ts joins the pairs that break with the traffic the local sidecars
// saw (observed-traffic.ts). Lines come back in kubectl's admission-warning form, for stderr.
import type { ConfigMap, MeshSettings, Pod, Resource } from '../api/index.js';
import { DEFAULT_MESH_SETTINGS, kindInfo } from '../api/index.js';
// The registry's own kinds and values reading, through light entries: apply loads no servers.
import { MESH_KINDS } from '../controlplane/registry/build-mesh-state.js';
import { meshSettingsFromValues } from '../controlplane/registry/mesh-values.js';
import {
  formatObservedBreak,
  meshStateFromResources,
  observedBreaks,
  type MeshState,
  type ServerPortTraffic,
  type WriteStep,
} from '../policy/index.js';
import type { MeshApi } from './context.js';
import { indexPods, observedTraffic, workloadOf } from './observed-traffic.js';

/** One object of a write: put (created or replaced) or removed. */
export type WriteChange =
  | { object: string; put: Resource }
  | { object: string; remove: { kind: string; namespace: string | undefined; name: string } };

export interface WriteCheck {
  /** `Warning: ...` lines, without newlines; empty when nothing observed would break. */
  warnings: string[];
  /** The mesh values in force: `safeChanges` says whether to refuse. */
  settings: MeshSettings;
  /**
   * Why the check could not be made (the mesh could not be listed): the write goes ahead with
   * this said on stderr, since the warnings are advice about traffic, not a guard of the store.
   */
  unchecked?: string;
}

const MESH_VALUES = 'automesh';
const DEFAULT_WINDOW_MS = 10 * 60_000;

const keyOf = (kind: string, namespace: string | undefined, name: string): string =>
  `${kind}|${namespace ?? ''}|${name}`;

function settingsOf(resources: readonly Resource[]): MeshSettings {
  const root = DEFAULT_MESH_SETTINGS.rootNamespace;
  const values = resources.find(
    (r): r is ConfigMap =>
      r.kind === 'ConfigMap' && r.metadata.name === MESH_VALUES && r.metadata.namespace === root,
  );
  return meshSettingsFromValues(values, { ...DEFAULT_MESH_SETTINGS });
}

function stateOf(resources: readonly Resource[], settings: MeshSettings): MeshState {
  return meshStateFromResources([...resources], settings);
}

function laidOver(resources: Resource[], change: WriteChange): Resource[] {
  if ('put' in change) {
    const r = change.put;
    const key = keyOf(r.kind, r.metadata.namespace, r.metadata.name);
    return [...resources.filter((c) => keyOf(c.kind, c.metadata.namespace, c.metadata.name) !== key), r];
  }
  const { kind, namespace, name } = change.remove;
  const key = keyOf(kind, namespace, name);
  return resources.filter(
    (c) =>
      keyOf(c.kind, c.metadata.namespace, c.metadata.name) !== key &&
      // A namespace takes everything in it.
      !(kind === 'Namespace' && c.metadata.namespace === name),
  );
}

/** The warnings for a write; reads the mesh only when the write touches a kind the mesh reads. */
export async function checkWrite(client: MeshApi, changes: readonly WriteChange[]): Promise<WriteCheck> {
  try {
    return await check(client, changes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { warnings: [], settings: { ...DEFAULT_MESH_SETTINGS }, unchecked: why };
  }
}

async function check(client: MeshApi, changes: readonly WriteChange[]): Promise<WriteCheck> {
  const meshKinds = new Set<string>(MESH_KINDS);
  const relevant = changes.filter((c) => meshKinds.has('put' in c ? c.put.kind : c.remove.kind));
  if (relevant.length === 0) return { warnings: [], settings: { ...DEFAULT_MESH_SETTINGS } };
  const kinds = MESH_KINDS.flatMap((k) => kindInfo(k) ?? []);
  const current = (
    await Promise.all(kinds.map((kind) => client.list(kind, {})))
  ).flat() as unknown as Resource[];
  const settings = settingsOf(current);
  const before = stateOf(current, settings);
  const steps: WriteStep[] = [];
  let resources = current;
  for (const change of relevant) {
    resources = laidOver(resources, change);
    // A write of the values ConfigMap changes the mesh values themselves (install, or by hand).
    steps.push({ object: change.object, state: stateOf(resources, settingsOf(resources)) });
  }

  const pods = current.filter((r): r is Pod => r.kind === 'Pod');
  const index = indexPods(pods);
  const traffic = await observedTraffic(index, { destinations: true });
  const seen: ServerPortTraffic[] = traffic.flatMap((sidecar) =>
    (sidecar.peers?.ports ?? []).map((port) => ({
      namespace: sidecar.namespace,
      pod: sidecar.pod,
      port: port.port,
      peers: port.peers
        .filter((p) => p.arrival !== 'refused') // those fail already
        .map((p) => ({ address: p.address ?? p.peer, requests: p.requests ?? p.connections })),
    })),
  );
  // A server without a sidecar sees nothing: what its clients' sidecars sent there stands in
  // (require-mTLS breaks exactly those pairs). Servers with a sidecar count for themselves.
  const answered = new Set(
    traffic.filter((t) => t.peers !== undefined).map((t) => `${t.namespace}/${t.pod}`),
  );
  for (const client of traffic) {
    const from = index.byName.get(`${client.namespace}/${client.pod}`)?.status?.podIP;
    if (from === undefined) continue;
    for (const d of client.destinations?.destinations ?? []) {
      if (answered.has(`${d.namespace}/${d.pod}`) || d.sent === 'REFUSE' || d.requests === d.failures)
        continue;
      seen.push({
        namespace: d.namespace,
        pod: d.pod,
        port: d.port,
        peers: [{ address: from, requests: d.requests - d.failures }],
      });
    }
  }
  const windowMs =
    (traffic.find((t) => t.peers !== undefined)?.peers?.windowSeconds ?? DEFAULT_WINDOW_MS / 1000) * 1000;
  const nameOf = (namespace: string, pod: string): string => {
    const found = index.byName.get(`${namespace}/${pod}`);
    return found === undefined ? pod : workloadOf(found);
  };
  const breaks = observedBreaks(before, steps, seen, nameOf);
  return { warnings: breaks.map((b) => formatObservedBreak(b, windowMs)), settings };
}

/** What a write with warnings does: prints them; says whether it must stop (refuse, no --force). */
export function reportWarnings(
  check: WriteCheck,
  force: boolean,
  out: NodeJS.WritableStream = process.stderr,
): boolean {
  if (check.unchecked !== undefined)
    out.write(`Warning: could not check which observed traffic this write would break: ${check.unchecked}\n`);
  for (const line of check.warnings) out.write(`${line}\n`);
  if (check.warnings.length === 0 || check.settings.safeChanges !== 'refuse' || force) return false;
  out.write(
    'error: values.automesh.safeChanges is refuse and this write would make the observed traffic above fail. Nothing was changed. Run again with --force to write it anyway.\n',
  );
  return true;
}
