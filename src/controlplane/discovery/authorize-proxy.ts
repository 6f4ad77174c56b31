// Which pod a stream may ask for: a sidecar holds the SVID of its pod's service account, bound
// to its pod, so it may receive only its own pod's snapshot, in its namespace, for a pod running
// as that service account. Without the binding a certificate of an account could speak for every
// pod of that account (and show as each of them in proxy-status).

import type { ProxySnapshot } from '../../api/index.js';
import type { CertificatePodBinding, WorkloadIdentity } from '../../identity/index.js';

export type Authorization = { ok: true } | { ok: false; reason: string };

/**
 * At Hello: the pod must be in the SVID's namespace and be the pod the SVID was issued to (the
 * service account is checked per snapshot). `requireBinding` refuses SVIDs that name no pod; only
 * a server without pod checks (tests, tools) accepts them.
 */
export function authorizeHello(
  identity: WorkloadIdentity,
  hello: { pod: string; namespace: string },
  trustDomain: string,
  binding: { podBinding: CertificatePodBinding | undefined; requireBinding: boolean },
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
  const { podBinding, requireBinding } = binding;
  if (podBinding === undefined) {
    return requireBinding ? { ok: false, reason: 'the client certificate names no pod' } : { ok: true };
  }
  if (podBinding.pod !== hello.pod) {
    return {
      ok: false,
      reason: `certificate of pod ${identity.namespace}/${podBinding.pod} may not ask for pod ${hello.namespace}/${hello.pod}`,
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
