// Turns the registry's resource maps into the policy engine's input. Pure: no store, no clock.

import type {
  AuthenticationPolicy,
  ConfigMap,
  DestinationRule,
  MeshPolicy,
  MeshSettings,
  Namespace,
  PeerAuthentication,
  Pod,
  Resource,
  Service,
} from '../../api/index.js';
import type { MeshState, WorkloadInstance } from '../../policy/index.js';
import { MESH_VALUES_CONFIGMAP_NAME, meshSettingsFromValues } from './mesh-values.js';

/** Pod → workload, as the policy engine defines it; undefined for pods that are not workloads yet. */
export type WorkloadFromPod = (pod: Pod) => WorkloadInstance | undefined;

/** The kinds that feed the mesh state; everything else in the store is ignored. */
export const MESH_KINDS = [
  'Namespace',
  'Service',
  'Pod',
  'PeerAuthentication',
  'Policy',
  'MeshPolicy',
  'DestinationRule',
  'ConfigMap',
] as const satisfies readonly Resource['kind'][];

export type MeshKind = (typeof MESH_KINDS)[number];

export function isMeshKind(kind: string): kind is MeshKind {
  return (MESH_KINDS as readonly string[]).includes(kind);
}

/** Resources by kind, each keyed `namespace/name`, in insertion order. */
export type ResourcesByKind = { [K in MeshKind]: Map<string, Resource> };

export function emptyResources(): ResourcesByKind {
  return Object.fromEntries(MESH_KINDS.map((k) => [k, new Map<string, Resource>()])) as ResourcesByKind;
}

/** Only the root namespace's `automesh` ConfigMap matters; other ConfigMaps are not mesh input. */
export function isMeshValues(resource: Resource, rootNamespace: string): boolean {
  return (
    resource.kind === 'ConfigMap' &&
    resource.metadata.namespace === rootNamespace &&
    resource.metadata.name === MESH_VALUES_CONFIGMAP_NAME
  );
}

function sorted<T extends Resource>(map: Map<string, Resource>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r as T);
}

/** The MeshState the resources describe, in a stable (namespace/name) order. */
export function buildMeshState(
  resources: ResourcesByKind,
  baseSettings: MeshSettings,
  workloadFromPod: WorkloadFromPod,
): MeshState {
  const values = resources.ConfigMap.get(`${baseSettings.rootNamespace}/${MESH_VALUES_CONFIGMAP_NAME}`);
  const workloads: WorkloadInstance[] = [];
  for (const pod of sorted<Pod>(resources.Pod)) {
    const workload = workloadFromPod(pod);
    if (workload !== undefined) workloads.push(workload);
  }
  return {
    settings: meshSettingsFromValues(values as ConfigMap | undefined, baseSettings),
    namespaces: sorted<Namespace>(resources.Namespace),
    services: sorted<Service>(resources.Service),
    workloads,
    peerAuthentications: sorted<PeerAuthentication>(resources.PeerAuthentication),
    policies: sorted<AuthenticationPolicy>(resources.Policy),
    meshPolicies: sorted<MeshPolicy>(resources.MeshPolicy),
    destinationRules: sorted<DestinationRule>(resources.DestinationRule),
  };
}
