// Which DestinationRule a client uses for a service: its own namespace first, then the service's,
// then the root namespace; within a namespace the most specific host match, oldest on a tie.
// Exactly one rule applies: fields are never merged across rules.
import type { DestinationRule, Service } from '../api/index.js';
import type { MeshIndex } from './mesh-index.js';
import { keyOfService } from './mesh-index.js';
import { CLUSTER_DOMAIN, fqdnOf, serviceNamespace } from './names.js';

/** The rule a client in `clientNamespace` uses for `service`, if any. */
export function destinationRuleFor(
  index: MeshIndex,
  clientNamespace: string,
  service: Service,
): DestinationRule | undefined {
  const key = `${clientNamespace}|${keyOfService(service)}`;
  const memo = index.ruleMemo.get(key);
  if (memo !== undefined) return memo ?? undefined;
  const scopes = [...new Set([clientNamespace, serviceNamespace(service), index.settings.rootNamespace])];
  const fqdn = fqdnOf(service);
  let chosen: DestinationRule | undefined;
  for (const ns of scopes) {
    chosen = mostSpecific(index.destinationRules.get(ns) ?? [], fqdn, clientNamespace);
    if (chosen !== undefined) break;
  }
  index.ruleMemo.set(key, chosen ?? null);
  return chosen;
}

function mostSpecific(
  rules: DestinationRule[],
  fqdn: string,
  clientNamespace: string,
): DestinationRule | undefined {
  let best: DestinationRule | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    if (!visibleFrom(rule, clientNamespace)) continue;
    const score = hostMatchScore(rule.spec.host, rule.metadata.namespace ?? 'default', fqdn);
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
  return resolveHost(host, ruleNamespace) === fqdn ? 1_000_000 : -1;
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
