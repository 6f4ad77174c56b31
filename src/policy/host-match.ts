// How a DestinationRule's `host` names a service: short names resolve in the rule's namespace, an
// exact name beats every wildcard, a longer wildcard suffix beats a shorter one (Istio:
// pilot/pkg/model/config.go MostSpecificHostMatch, ResolveShortnameToFQDN).
import { CLUSTER_DOMAIN } from './names.js';

/**
 * How specifically `host` (as written in a rule in `ruleNamespace`) names `fqdn`: -1 no match,
 * larger is more specific. Two rules that match with the same score name the same host (the same
 * FQDN, or the same wildcard), which is what lets rules for one host be merged.
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

/** `httpbin`, `httpbin.full` and `httpbin.full.svc` as the FQDN they stand for from `namespace`. */
export function resolveHost(host: string, namespace: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${host}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.${CLUSTER_DOMAIN}`;
  return host;
}
