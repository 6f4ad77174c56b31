// Resolving a DestinationRule's `tls` for (service port, subset): port-level settings replace the
// top level wholesale; a subset's own tls (after its own port level) replaces that, otherwise the
// subset inherits it.
import type { ClientTlsSettings, DestinationRule, TrafficPolicy } from '../api/index.js';

export interface ResolvedTls {
  tls: ClientTlsSettings | undefined;
  /** Where the tls came from, for reasons: `top level`, `port 8000`, `subset v1`, `subset v1 port 8000`. */
  from: string;
}

export function resolveTls(
  rule: DestinationRule,
  servicePort: number,
  subset: string | undefined,
): ResolvedTls {
  const top = rule.spec.trafficPolicy;
  const topPort = portLevel(top, servicePort);
  let resolved: ResolvedTls =
    topPort !== undefined
      ? { tls: topPort.tls, from: `port ${servicePort}` }
      : { tls: top?.tls, from: 'top level' };
  if (subset === undefined) return resolved;
  const own = rule.spec.subsets?.find((s) => s.name === subset)?.trafficPolicy;
  if (own === undefined) return resolved;
  const ownPort = portLevel(own, servicePort);
  if (ownPort !== undefined) resolved = { tls: ownPort.tls, from: `subset ${subset} port ${servicePort}` };
  else if (own.tls !== undefined) resolved = { tls: own.tls, from: `subset ${subset}` };
  return resolved;
}

function portLevel(policy: TrafficPolicy | undefined, port: number): { tls?: ClientTlsSettings } | undefined {
  return policy?.portLevelSettings?.find((p) => p.port.number === port);
}
