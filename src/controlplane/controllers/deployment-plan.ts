// What the Deployment controller must do for one Deployment, decided from the pods it owns: the
// pods of the current template up to `replicas` stay, new ones make up the count, the rest go (a
// template change replaces every pod at once, as today's single-machine runtime did). Pure.

import { podIsReady } from '../../api/index.js';
import type { Deployment, Pod } from '../../api/index.js';
import { POD_TEMPLATE_HASH_LABEL, podForDeployment } from './pod-factory.js';
import { podTemplateHash } from './pod-naming.js';

export interface DeploymentStatusCounts {
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

export interface DeploymentPlan {
  create: Pod[];
  remove: Pod[];
  status: DeploymentStatusCounts;
}

/**
 * Which extra pods go first, as the ReplicaSet controller ranks them: unscheduled before
 * scheduled, not Ready before Ready, newer before older.
 */
function removalRank(a: Pod, b: Pod): number {
  const scheduled = Number(a.spec.nodeName !== undefined) - Number(b.spec.nodeName !== undefined);
  if (scheduled !== 0) return scheduled;
  const ready = Number(podIsReady(a)) - Number(podIsReady(b));
  if (ready !== 0) return ready;
  const created = (p: Pod): string => p.metadata.creationTimestamp ?? '';
  return created(a) < created(b) ? 1 : created(a) > created(b) ? -1 : 0;
}

/** `owned`: the pods whose controller owner reference names `d`; `taken`: pod names in use. */
export function planDeployment(
  d: Deployment,
  owned: Pod[],
  taken: (name: string) => boolean,
): DeploymentPlan {
  const hash = podTemplateHash(d.spec.template);
  const replicas = Math.max(0, d.spec.replicas ?? 1);
  const sameOwner = (p: Pod): boolean => {
    const uid = p.metadata.ownerReferences?.find((o) => o.controller === true)?.uid;
    return uid === undefined || uid === '' || d.metadata.uid === undefined || uid === d.metadata.uid;
  };
  const current = owned
    .filter((p) => sameOwner(p) && p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash)
    .sort(removalRank)
    .reverse();
  const keep = current.slice(0, replicas);
  const remove = owned.filter((p) => !keep.includes(p));
  const create: Pod[] = [];
  const names = new Set<string>();
  for (let i = keep.length; i < replicas; i++) {
    const pod = podForDeployment(d, hash, (name) => taken(name) || names.has(name));
    names.add(pod.metadata.name);
    create.push(pod);
  }
  const ready = keep.filter(podIsReady).length;
  return {
    create,
    remove,
    status: {
      replicas: keep.length + create.length,
      updatedReplicas: keep.length + create.length,
      readyReplicas: ready,
      availableReplicas: ready,
    },
  };
}
