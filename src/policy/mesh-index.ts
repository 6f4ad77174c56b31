// Lookup tables over one MeshState, built once and shared by every decision made from it, with
// memos for the decisions that many proxies repeat (a workload port's mode, a service's SANs).
// The state must not change while an index built from it is in use.
import { namespaceOf } from '../api/index.js';
import type {
  AuthenticationPolicy,
  DestinationRule,
  Labels,
  MeshPolicy,
  MeshSettings,
  PeerAuthentication,
  Service,
} from '../api/index.js';
import type { DestinationRuleSelection } from './destination-rule-for.js';
import { hasSelector, labelsMatch, serviceSelects } from './labels.js';
import type { ChosenDestinationRule } from './merge-destination-rules.js';
import type { MeshState, WorkloadInstance } from './mesh-state.js';
import { fqdnOf, serviceNamespace } from './names.js';
import { oldestFirst } from './oldest-first.js';
import type { ModeDecision } from './mode-decision.js';
import { isShadow } from './enforcement-annotation.js';

export interface MeshIndexOptions {
  /**
   * Count policies annotated `automesh.io/enforcement: shadow` as if they enforced: the index the
   * shadow mode of a port is computed with. Off everywhere else, so shadow policies change nothing.
   */
  includeShadow?: boolean;
}

export class MeshIndex {
  readonly settings: MeshSettings;
  /** Sorted by namespace, then name. */
  readonly services: Service[];
  readonly servicesByNs = new Map<string, Service[]>();
  readonly workloadsByNs = new Map<string, WorkloadInstance[]>();
  readonly workloadByKey = new Map<string, WorkloadInstance>();
  /** PeerAuthentication without a selector in the root namespace, oldest first. */
  readonly meshPeerAuthn: PeerAuthentication[];
  /** PeerAuthentication without a selector, per namespace, oldest first. */
  readonly nsPeerAuthn = new Map<string, PeerAuthentication[]>();
  /** PeerAuthentication with a selector, per namespace (root namespace excluded), oldest first. */
  readonly workloadPeerAuthn = new Map<string, PeerAuthentication[]>();
  /** Policies with targets, per namespace, oldest first. */
  readonly targetedPolicies = new Map<string, AuthenticationPolicy[]>();
  /** The `default` Policy (no targets) per namespace. */
  readonly defaultPolicies = new Map<string, AuthenticationPolicy>();
  readonly meshPolicy: MeshPolicy | undefined;
  /** DestinationRules per namespace, oldest first. */
  readonly destinationRules = new Map<string, DestinationRule[]>();
  /** Namespaces holding a DestinationRule not exported to everyone. */
  readonly restrictedRuleNamespaces = new Set<string>();

  /** Memos, filled as decisions are made. */
  readonly modeMemo = new Map<string, ModeDecision>();
  readonly serviceWorkloadsMemo = new Map<string, WorkloadInstance[]>();
  readonly workloadServicesMemo = new Map<string, Service[]>();
  readonly sansMemo = new Map<string, string[]>();
  /** client namespace → service → the rule it picks (null: none). */
  readonly ruleMemo = new Map<string, Map<Service, DestinationRuleSelection | null>>();
  /** `ns/name,...` of the rules merged → their merge, one object per set of rules. */
  readonly mergedRuleMemo = new Map<string, ChosenDestinationRule>();
  private readonly fqdnMemo = new Map<Service, string>();
  private readonly labelsByNs = new Map<string, Labels>();
  /** Whether some policy is in shadow, and the index with them enforced (built on first use). */
  private readonly shadowed: boolean;
  private shadowIndex: MeshIndex | undefined;

  constructor(
    private readonly state: MeshState,
    options: MeshIndexOptions = {},
  ) {
    this.settings = state.settings;
    const include = options.includeShadow === true;
    const counted = <T extends { metadata: { annotations?: Record<string, string> } }>(items: T[]): T[] =>
      include ? items : items.filter((r) => !isShadow(r));
    this.shadowed =
      !include &&
      [...state.peerAuthentications, ...state.policies, ...state.meshPolicies].some((r) => isShadow(r));
    for (const ns of state.namespaces) this.labelsByNs.set(ns.metadata.name, ns.metadata.labels ?? {});
    const root = state.settings.rootNamespace;
    this.services = sortByKey(state.services, keyOfService);
    for (const service of this.services) push(this.servicesByNs, serviceNamespace(service), service);
    const workloads = sortByKey(state.workloads, keyOf);
    for (const workload of workloads) {
      push(this.workloadsByNs, workload.namespace, workload);
      this.workloadByKey.set(keyOf(workload), workload);
    }
    const peerAuthn = oldestFirst(counted(state.peerAuthentications));
    this.meshPeerAuthn = peerAuthn.filter((p) => nsOf(p) === root && !hasSelector(p.spec.selector));
    for (const p of peerAuthn) {
      if (hasSelector(p.spec.selector)) {
        if (nsOf(p) !== root) push(this.workloadPeerAuthn, nsOf(p), p);
      } else if (nsOf(p) !== root) {
        push(this.nsPeerAuthn, nsOf(p), p);
      }
    }
    for (const policy of oldestFirst(counted(state.policies))) {
      const targeted = (policy.spec.targets ?? []).length > 0;
      // Istio's validation: targets only on non-default policies, `default` has none.
      if (targeted && policy.metadata.name !== 'default') push(this.targetedPolicies, nsOf(policy), policy);
      else if (!targeted && policy.metadata.name === 'default' && !this.defaultPolicies.has(nsOf(policy))) {
        this.defaultPolicies.set(nsOf(policy), policy);
      }
    }
    this.meshPolicy = oldestFirst(counted(state.meshPolicies)).find(
      (m) => m.metadata.name === 'default' && (m.spec.targets ?? []).length === 0,
    );
    for (const rule of oldestFirst(state.destinationRules)) {
      push(this.destinationRules, nsOf(rule), rule);
      const exportTo = rule.spec.exportTo ?? [];
      if (exportTo.length > 0 && !exportTo.includes('*')) this.restrictedRuleNamespaces.add(nsOf(rule));
    }
  }

  /** The index with shadow policies enforced, or undefined when no policy is in shadow. */
  withShadow(): MeshIndex | undefined {
    if (!this.shadowed) return undefined;
    this.shadowIndex ??= new MeshIndex(this.state, { includeShadow: true });
    return this.shadowIndex;
  }

  /**
   * True when the DestinationRule a client in `clientNamespace` picks for `service` cannot depend
   * on that namespace: it holds no rules itself, and the service's and root namespaces export
   * theirs to everyone.
   */
  clientNeutralRules(clientNamespace: string, service: Service): boolean {
    return (
      !this.destinationRules.has(clientNamespace) &&
      !this.restrictedRuleNamespaces.has(serviceNamespace(service)) &&
      !this.restrictedRuleNamespaces.has(this.settings.rootNamespace)
    );
  }

  /** A namespace's labels; none for a namespace that has no object. */
  namespaceLabels(namespace: string): Labels {
    return this.labelsByNs.get(namespace) ?? {};
  }

  fqdn(service: Service): string {
    let fqdn = this.fqdnMemo.get(service);
    if (fqdn === undefined) {
      fqdn = fqdnOf(service);
      this.fqdnMemo.set(service, fqdn);
    }
    return fqdn;
  }

  workload(namespace: string, name: string): WorkloadInstance | undefined {
    return this.workloadByKey.get(`${namespace}/${name}`);
  }

  /** Every workload the service selects (ready or not), sorted by name. */
  serviceWorkloads(service: Service): WorkloadInstance[] {
    const key = keyOfService(service);
    let found = this.serviceWorkloadsMemo.get(key);
    if (found === undefined) {
      const selector = service.spec.selector;
      const empty = selector === undefined || Object.keys(selector).length === 0;
      const candidates = this.workloadsByNs.get(serviceNamespace(service)) ?? [];
      found = empty ? [] : candidates.filter((w) => labelsMatch(selector, w.labels));
      this.serviceWorkloadsMemo.set(key, found);
    }
    return found;
  }

  /** The services in the workload's namespace that select it, sorted by name. */
  workloadServices(workload: WorkloadInstance): Service[] {
    const key = keyOf(workload);
    let found = this.workloadServicesMemo.get(key);
    if (found === undefined) {
      const services = this.servicesByNs.get(workload.namespace) ?? [];
      found = services.filter((s) => serviceSelects(s.spec.selector, workload.labels));
      this.workloadServicesMemo.set(key, found);
    }
    return found;
  }
}

export function keyOf(workload: { namespace: string; name: string }): string {
  return `${workload.namespace}/${workload.name}`;
}

export function keyOfService(service: Service): string {
  return `${serviceNamespace(service)}/${service.metadata.name}`;
}

const nsOf = namespaceOf;

/** A sorted copy, computing each key once. */
export function sortByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
