// The Pod object a Deployment's template becomes, as the ReplicaSet controller would create it.

import { namespaceOf } from '../../api/index.js';
import type { Deployment, Pod } from '../../api/index.js';
import { podName, randomPodSuffix } from './pod-naming.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** The Deployment that owns a pod, from its controller owner reference. */
export function ownerDeployment(pod: Pod): string | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.kind === 'Deployment' && o.controller === true)?.name;
}

/** `<namespace>/<deployment>` of the Deployment controlling `pod` (namespacedKey's shape), if any. */
export function ownerKey(pod: Pod): string | undefined {
  const owner = ownerDeployment(pod);
  return owner === undefined ? undefined : `${namespaceOf(pod)}/${owner}`;
}

/** A new pod for `d` with a fresh name (`taken` says which names are in use). */
export function podForDeployment(d: Deployment, hash: string, taken: (name: string) => boolean): Pod {
  const template = d.spec.template;
  let name = podName(d.metadata.name, hash, randomPodSuffix());
  while (taken(name)) name = podName(d.metadata.name, hash, randomPodSuffix());
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: namespaceOf(d),
      labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash },
      ...(template.metadata?.annotations !== undefined ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [
        {
          apiVersion: d.apiVersion,
          kind: 'Deployment',
          name: d.metadata.name,
          uid: d.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: {
      ...template.spec,
      serviceAccountName: template.spec.serviceAccountName ?? template.spec.serviceAccount ?? 'default',
    },
    status: { phase: 'Pending' },
  };
}
