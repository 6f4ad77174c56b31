// What happens on a route client → service:port, endpoint by endpoint: the server's mode, the TLS
// the client sends, and why. The data behind `automesh x explain` and the live diagnostics.
import type { ServerMode, Service, ServicePort, UpstreamTlsMode } from '../api/index.js';
import { clientTlsIn } from './client-tls.js';
import { selectDestinationRule } from './destination-rule-for.js';
import type { DestinationRuleSelection, RuleLookupStep } from './destination-rule-for.js';
import { MeshIndex } from './mesh-index.js';
import type { MeshState, WorkloadInstance } from './mesh-state.js';
import { fqdnOf, serviceNamespace } from './names.js';
import { targetPortOf } from '../api/index.js';
import { refOf } from './oldest-first.js';
import { serverModeIn } from './server-mode.js';

export interface EndpointExplanation {
  workload: string;
  namespace: string;
  address: string;
  /** The workload port the service port reaches. */
  port: number;
  sidecar: boolean;
  /** What the endpoint accepts: its policy mode with a sidecar, DISABLE (plaintext only) without. */
  serverMode: ServerMode;
  serverModeReason: string;
  tls: UpstreamTlsMode;
  reason: string;
  /** '' unless the client sends TLS with an SNI. */
  sni: string;
  sans: string[];
  /** What a request will see, per behaviour.md's server rules: `works: ...` or `fails: ...`. */
  outcome: string;
}

/** The DestinationRule (or rules, merged) the client's sidecar uses for the service. */
export interface RuleExplanation {
  /** `ns/name` of each rule, oldest first; more than one when rules for the host were merged. */
  rules: string[];
  /** The host as the oldest rule writes it. */
  host: string;
  /** The lookup step that found them (behaviour.md, client step 1). */
  foundIn: RuleLookupStep;
  /** `ns/name` of the rule whose top-level trafficPolicy is used; '' when none has one. */
  trafficPolicyFrom: string;
}

export interface RouteExplanation {
  client: WorkloadInstance;
  service: Service;
  servicePort: ServicePort;
  /** null when no rule applies, or the client has no sidecar to apply one. */
  destinationRule: RuleExplanation | null;
  /** Ready endpoints in the order the client's sidecar round-robins over them. */
  endpoints: EndpointExplanation[];
}

export function explainRoute(
  state: MeshState,
  client: WorkloadInstance,
  service: Service,
  servicePort: ServicePort,
): RouteExplanation {
  const index = new MeshIndex(state);
  const endpoints: EndpointExplanation[] = [];
  for (const endpoint of index.serviceWorkloads(service)) {
    const port = targetPortOf(servicePort, endpoint);
    if (!endpoint.ready || port === undefined) continue;
    const server = serverModeIn(index, endpoint, port);
    const tls = clientTlsIn(index, { client, service, servicePort, endpoint });
    endpoints.push({
      workload: endpoint.name,
      namespace: endpoint.namespace,
      address: endpoint.address,
      port,
      sidecar: endpoint.runsSidecar,
      serverMode: endpoint.runsSidecar ? server.mode : 'DISABLE',
      serverModeReason: endpoint.runsSidecar
        ? server.reason
        : `no sidecar: the app takes plaintext only; its policy, ${server.reason}, is not enforced`,
      tls: tls.mode,
      reason: tls.reason,
      sni: tls.mode === 'DISABLE' || tls.mode === 'REFUSE' ? '' : (tls.sni ?? ''),
      sans: tls.mode === 'DISABLE' || tls.mode === 'REFUSE' ? [] : tls.sans,
      outcome: expectedOutcome(client.runsSidecar, tls.mode, endpoint.runsSidecar ? server.mode : undefined),
    });
  }
  const selection = client.runsSidecar ? selectDestinationRule(index, client.namespace, service) : undefined;
  return { client, service, servicePort, destinationRule: ruleExplanation(selection), endpoints };
}

function ruleExplanation(selection: DestinationRuleSelection | undefined): RuleExplanation | null {
  if (selection === undefined) return null;
  const { rule, step } = selection;
  return {
    rules: rule.from.map((r) => refOf(r.metadata)),
    host: rule.spec.host,
    foundIn: step,
    trafficPolicyFrom: rule.trafficPolicyFrom === undefined ? '' : refOf(rule.trafficPolicyFrom.metadata),
  };
}

/**
 * The service a host names from `clientNamespace`: the FQDN, `name.ns.svc`, `name.ns`, or a short
 * name in the client's namespace. Undefined when nothing matches.
 */
export function serviceForHost(state: MeshState, host: string, clientNamespace: string): Service | undefined {
  const wanted = host.replace(/\.$/, '');
  return state.services.find((s) => {
    const name = s.metadata.name;
    const ns = serviceNamespace(s);
    return (
      wanted === fqdnOf(s) ||
      wanted === `${name}.${ns}.svc` ||
      wanted === `${name}.${ns}` ||
      (wanted === name && ns === clientNamespace)
    );
  });
}

/**
 * The pods a workload name stands for in a namespace: a pod of that name, else the pods of the
 * Deployment of that name (`<name>-<hash>-<n>`), else the pods labelled `app: <name>`; sorted.
 */
export function workloadsNamed(state: MeshState, name: string, namespace: string): WorkloadInstance[] {
  const inNs = state.workloads
    .filter((w) => w.namespace === namespace)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const exact = inNs.filter((w) => w.name === name);
  if (exact.length > 0) return exact;
  const prefix = `${name}-`;
  const owned = inNs.filter(
    (w) => w.name.startsWith(prefix) && /^[0-9a-f]{10}-\d+$/.test(w.name.slice(prefix.length)),
  );
  if (owned.length > 0) return owned;
  return inNs.filter((w) => w.labels.app === name);
}

/**
 * What a request will see, from the client's TLS and what the endpoint accepts (`undefined`: no
 * sidecar, the app takes plaintext only). behaviour.md "What the server sidecar accepts".
 */
export function expectedOutcome(
  clientSidecar: boolean,
  tls: UpstreamTlsMode,
  server: ServerMode | undefined,
): string {
  const failure = clientSidecar ? 'fails: 503 from the client sidecar' : 'fails: connection reset';
  switch (tls) {
    case 'REFUSE':
      return 'fails: 503 from the client sidecar (it requires mTLS; nothing is sent)';
    case 'DISABLE':
      return server === 'STRICT' ? `${failure} (plaintext to a STRICT port)` : 'works: plaintext';
    case 'ISTIO_MUTUAL':
      if (server === undefined) return `${failure} (mTLS to an endpoint without a sidecar)`;
      if (server === 'DISABLE') return `${failure} (mTLS to a DISABLE port)`;
      return 'works: mutual TLS';
    case 'SIMPLE':
    case 'MUTUAL':
      if (server !== undefined) return `${failure} (a sidecar accepts only mesh mTLS or plaintext)`;
      return `works only if the app itself serves TLS (${tls})`;
  }
}
