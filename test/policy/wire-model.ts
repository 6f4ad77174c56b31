// What a request would see on the wire, predicted from the policy engine's decisions and the
// server-side rules of behaviour.md ("What the server sidecar accepts"). Lets the scenario table
// state outcomes the way istio-reference.md §8 does (200 / 503 / reset, XFCC or not).
import { clientTls, serverMode } from '../../src/policy/index.js';
import type { MeshState, WorkloadInstance } from '../../src/policy/index.js';
import { HTTPBIN_PORT, serviceIn } from './mesh-builders.js';

export type Outcome = '200' | '503' | 'reset';

export interface EndpointOutcome {
  endpoint: string;
  outcome: Outcome;
  /** The app saw an XFCC with the client's URI (the request arrived over mTLS). */
  xfcc: boolean;
}

/** One request from `client` to each ready endpoint of httpbin.<ns>:8000. */
export function probe(state: MeshState, client: WorkloadInstance, ns: string): EndpointOutcome[] {
  const service = serviceIn(state, ns, 'httpbin');
  const endpoints = state.workloads.filter(
    (w) => w.namespace === ns && w.ready && w.labels.app === 'httpbin',
  );
  return endpoints.map((endpoint) => {
    const tls = clientTls(state, { client, service, servicePort: HTTPBIN_PORT, endpoint });
    const server = endpoint.runsSidecar ? serverMode(state, endpoint, 80).mode : 'NONE';
    return { endpoint: endpoint.name, ...wire(client.runsSidecar, tls.mode, server) };
  });
}

function wire(
  clientSidecar: boolean,
  tls: 'DISABLE' | 'REFUSE' | 'ISTIO_MUTUAL' | 'SIMPLE' | 'MUTUAL',
  server: 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'NONE',
): { outcome: Outcome; xfcc: boolean } {
  const failed: Outcome = clientSidecar ? '503' : 'reset';
  // Nothing is sent: the client sidecar answers 503 itself.
  if (tls === 'REFUSE') return { outcome: '503', xfcc: false };
  if (tls === 'DISABLE') {
    // Plaintext: only a STRICT sidecar refuses it (reset; a client sidecar turns that into 503).
    return { outcome: server === 'STRICT' ? failed : '200', xfcc: false };
  }
  if (tls === 'ISTIO_MUTUAL') {
    // Mesh mTLS needs a sidecar that terminates it: STRICT or PERMISSIVE (ALPN istio).
    const ok = server === 'STRICT' || server === 'PERMISSIVE';
    return { outcome: ok ? '200' : '503', xfcc: ok };
  }
  // SIMPLE offers no `istio` ALPN and no client cert; MUTUAL's certificate is not the mesh's:
  // neither is accepted by a sidecar nor understood by a plaintext app.
  return { outcome: '503', xfcc: false };
}

/** `200`, `503`, `reset`, or `mixed:<a>/<b>` when endpoints differ; XFCC `yes`, `no` or `some`. */
export function summarize(outcomes: EndpointOutcome[]): { expected: string; xfcc: 'yes' | 'no' | 'some' } {
  const kinds = [...new Set(outcomes.map((o) => o.outcome))].sort();
  const withXfcc = outcomes.filter((o) => o.xfcc).length;
  return {
    expected: kinds.length === 1 ? kinds[0]! : `mixed:${kinds.join('/')}`,
    xfcc: withXfcc === 0 ? 'no' : withXfcc === outcomes.length ? 'yes' : 'some',
  };
}
