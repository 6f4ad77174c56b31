// A MeshState from a list of resources, as `automesh x explain` and tests describe a mesh:
// Deployments stand for `replicas` running, ready pods; Pods without status are taken as running.
import { createHash } from 'node:crypto';
import type { Deployment, MeshSettings, Pod, Resource } from '../api/index.js';
import { DEFAULT_MESH_SETTINGS, peersUseMeshMtls, runsSidecar, namespaceOf } from '../api/index.js';
import { sortByKey } from './mesh-index.js';
import type { MeshState, WorkloadInstance } from './mesh-state.js';
import { workloadFromPod } from './workload-from-pod.js';

export function meshStateFromResources(
  resources: Resource[],
  settings: Partial<MeshSettings> = {},
): MeshState {
  const state: MeshState = {
    settings: { ...DEFAULT_MESH_SETTINGS, ...settings },
    namespaces: [],
    services: [],
    workloads: [],
    peerAuthentications: [],
    policies: [],
    meshPolicies: [],
    destinationRules: [],
  };
  const needAddress: WorkloadInstance[] = [];
  for (const resource of resources) {
    switch (resource.kind) {
      case 'Namespace':
        state.namespaces.push(resource);
        break;
      case 'Service':
        state.services.push(withNamespace(resource));
        break;
      case 'Deployment':
        for (const w of deploymentWorkloads(resource)) {
          state.workloads.push(w);
          needAddress.push(w);
        }
        break;
      case 'Pod':
        state.workloads.push(podWorkload(resource, needAddress));
        break;
      case 'PeerAuthentication':
        state.peerAuthentications.push(withNamespace(resource));
        break;
      case 'Policy':
        state.policies.push(withNamespace(resource));
        break;
      case 'MeshPolicy':
        state.meshPolicies.push(resource);
        break;
      case 'DestinationRule':
        state.destinationRules.push(withNamespace(resource));
        break;
      case 'ServiceAccount':
      case 'Endpoints':
        break;
    }
  }
  assignAddresses(needAddress, new Set(state.workloads.map((w) => w.address)));
  return state;
}

/** `replicas` ready copies named `<deployment>-<template hash>-<n>`. */
function deploymentWorkloads(deployment: Deployment): WorkloadInstance[] {
  const namespace = namespaceOf(deployment);
  const template = deployment.spec.template;
  const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
  const labels = { ...(template.metadata?.labels ?? {}) };
  const replicas = deployment.spec.replicas ?? 1;
  const out: WorkloadInstance[] = [];
  for (let n = 0; n < replicas; n++) {
    const name = `${deployment.metadata.name}-${hash}-${n}`;
    out.push({
      name,
      namespace,
      uid: `${namespace}/${name}`,
      labels: { ...labels },
      serviceAccount: template.spec.serviceAccountName ?? template.spec.serviceAccount ?? 'default',
      address: '',
      hasSidecar: peersUseMeshMtls(template),
      runsSidecar: runsSidecar(template),
      ready: true,
      ports: template.spec.containers.flatMap((c) =>
        (c.ports ?? []).map((p) =>
          p.name === undefined
            ? { containerPort: p.containerPort }
            : { containerPort: p.containerPort, name: p.name },
        ),
      ),
    });
  }
  return out;
}

/** A pod written without status is taken as running and ready, with an address assigned. */
function podWorkload(pod: Pod, needAddress: WorkloadInstance[]): WorkloadInstance {
  const workload = workloadFromPod(pod);
  if (pod.status === undefined) {
    workload.ready = true;
    needAddress.push(workload);
  }
  return workload;
}

/** Deterministic addresses in 10.244.0.0/16, in namespace/name order, skipping ones in use. */
function assignAddresses(workloads: WorkloadInstance[], used: Set<string>): void {
  const sorted = sortByKey(workloads, (w) => `${w.namespace}/${w.name}`);
  let next = 0;
  for (const workload of sorted) {
    let address: string;
    do {
      next++;
      address = `10.244.${Math.floor(next / 250)}.${(next % 250) + 1}`;
    } while (used.has(address));
    used.add(address);
    workload.address = address;
  }
}

function withNamespace<T extends { metadata: { namespace?: string } }>(resource: T): T {
  if (resource.metadata.namespace !== undefined) return resource;
  return { ...resource, metadata: { ...resource.metadata, namespace: 'default' } };
}
