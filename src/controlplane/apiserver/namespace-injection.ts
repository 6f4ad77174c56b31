// Namespace-label injection, as Istio's webhook does it: a Deployment or Pod written to a
// namespace labelled `istio-injection=enabled` gets the sidecar. Done here, on the API server's
// write path, so every writer gets it: the CLI's apply, kubectl create/replace/patch/apply.
// A namespace created in the same batch counts with its own labels.

import { injectSidecar, type Resource } from '../../api/index.js';
import type { ConfigStore } from '../../store/index.js';

export const INJECTION_LABEL = 'istio-injection';

export async function injectForNamespaces(
  store: ConfigStore,
  resources: readonly Resource[],
): Promise<Resource[]> {
  const enabled = new Map<string, boolean>();
  for (const r of resources) {
    if (r.kind === 'Namespace')
      enabled.set(r.metadata.name, r.metadata.labels?.[INJECTION_LABEL] === 'enabled');
  }
  const out: Resource[] = [];
  for (const resource of resources) {
    const namespace = resource.metadata.namespace;
    if ((resource.kind !== 'Deployment' && resource.kind !== 'Pod') || namespace === undefined) {
      out.push(resource);
      continue;
    }
    if (!enabled.has(namespace)) {
      const stored = await store.get('Namespace', undefined, namespace);
      enabled.set(namespace, stored?.metadata.labels?.[INJECTION_LABEL] === 'enabled');
    }
    out.push(enabled.get(namespace) === true ? injectSidecar(resource) : resource);
  }
  return out;
}
