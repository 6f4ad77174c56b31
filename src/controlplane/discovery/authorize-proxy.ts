// Which pod a stream may ask for: a sidecar holds the SVID of its pod's service account, so it
// may receive only snapshots of pods in its namespace that run as that service account.

import type { ProxySnapshot } from '../../api/index.js';
import type { WorkloadIdentity } from '../../identity/index.js';

export type Authorization = { ok: true } | { ok: false; reason: string };

/** At Hello: the pod must be in the SVID's namespace (the service account is checked per snapshot). */
export function authorizeHello(
  identity: WorkloadIdentity,
  hello: { pod: string; namespace: string },
  trustDomain: string,
): Authorization {
  if (identity.trustDomain !== trustDomain) {
    return { ok: false, reason: `identity is not in trust domain ${trustDomain}` };
  }
  if (hello.pod === '' || hello.namespace === '') {
    return { ok: false, reason: 'hello must name a pod and its namespace' };
  }
  if (hello.namespace !== identity.namespace) {
    return {
      ok: false,
      reason: `identity of namespace ${identity.namespace} may not ask for pod ${hello.namespace}/${hello.pod}`,
    };
  }
  return { ok: true };
}

/** Before each push: the snapshot's pod must run as the SVID's service account. */
export function authorizeSnapshot(identity: WorkloadIdentity, snapshot: ProxySnapshot): Authorization {
  const { proxy } = snapshot;
  if (proxy.namespace === identity.namespace && proxy.serviceAccount === identity.serviceAccount) {
    return { ok: true };
  }
  return {
    ok: false,
    reason:
      `identity ${identity.namespace}/${identity.serviceAccount} may not ask for pod ` +
      `${proxy.namespace}/${proxy.pod} (service account ${proxy.serviceAccount})`,
  };
}
