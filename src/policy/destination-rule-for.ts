// Which DestinationRule a client uses for a service: its own namespace first, then the service's,
// then the root namespace; within a namespace the most specific host match, oldest on a tie.
// Exactly one rule applies: fields are never merged across rules.
import type { DestinationRule, Service } from '../api/index.js';
import type { MeshIndex } from './mesh-index.js';
import { CLUSTER_DOMAIN, serviceNamespace } from './names.js';

/** The rule a client in `clientNamespace` uses for `service`, if any. */
export function destinationRuleFor(
  index: MeshIndex,
  clientNamespace: string,
  service: Service,
): DestinationRule | undefined {
  let perService = index.ruleMemo.get(clientNamespace);
  if (perService === undefined) {
    perService = new Map();
    index.ruleMemo.set(clientNamespace, perService);
  }
  const memo = perService.get(service);
  if (memo !== undefined) return memo ?? undefined;
  const fqdn = index.fqdn(service);
  const serviceNs = serviceNamespace(service);
  const root = index.settings.rootNamespace;
  let chosen = mostSpecific(index, clientNamespace, fqdn, clientNamespace);
  if (chosen === undefined && serviceNs !== clientNamespace)
    chosen = mostSpecific(index, serviceNs, fqdn, clientNamespace);
  if (chosen === undefined && root !== clientNamespace && root !== serviceNs) {
    chosen = mostSpecific(index, root, fqdn, clientNamespace);
  }
  perService.set(service, chosen ?? null);
  return chosen;
}

function mostSpecific(
  index: MeshIndex,
  ns: string,
  fqdn: string,
  clientNamespace: string,
): DestinationRule | undefined {
  const rules = index.destinationRules.get(ns);
  if (rules === undefined) return undefined;
  let best: DestinationRule | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    if (!visibleFrom(rule, clientNamespace)) continue;
    const score = hostMatchScore(rule.spec.host, ns, fqdn);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  return best;
}

/**
 * How specifically `host` (as written in a rule in `ruleNamespace`) names `fqdn`: -1 no match,
 * larger is more specific. An exact name beats every wildcard; a longer wildcard suffix beats a
 * shorter one. Short names resolve relative to the rule's namespace (`httpbin`, `httpbin.full`,
 * `httpbin.full.svc`).
 */
export function hostMatchScore(host: string, ruleNamespace: string, fqdn: string): number {
  if (host === '*') return 0;
  if (host.startsWith('*.')) {
    const suffix = host.slice(1);
    return fqdn.endsWith(suffix) ? suffix.length : -1;
  }
  return resolvedHost(host, ruleNamespace) === fqdn ? 1_000_000 : -1;
}

const resolvedHosts = new Map<string, string>();

/** resolveHost, cached: a pure function of its inputs, called once per rule per service. */
function resolvedHost(host: string, namespace: string): string {
  const key = `${namespace}/${host}`;
  let resolved = resolvedHosts.get(key);
  if (resolved === undefined) {
    resolved = resolveHost(host, namespace);
    if (resolvedHosts.size > 10_000) resolvedHosts.clear();
    resolvedHosts.set(key, resolved);
  }
  return resolved;
}

export function resolveHost(host: string, namespace: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${host}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.${CLUSTER_DOMAIN}`;
  return host;
}

/** exportTo: absent or `*` everyone, `.` the rule's own namespace, else the named namespaces. */
function visibleFrom(rule: DestinationRule, clientNamespace: string): boolean {
  const ruleNamespace = rule.metadata.namespace ?? 'default';
  const exportTo = rule.spec.exportTo;
  if (ruleNamespace === clientNamespace || exportTo === undefined || exportTo.length === 0) return true;
  return exportTo.some((to) => to === '*' || to === clientNamespace);
}
