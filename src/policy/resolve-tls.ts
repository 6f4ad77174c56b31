// Resolving a DestinationRule's `tls` for (service port, subset): port-level settings replace the
// top level wholesale; a subset's own tls (after its own port level) replaces that, otherwise the
// subset inherits it (istio/istio pilot/pkg/networking/util/util.go MergeSubsetTrafficPolicy,
// pilot/pkg/model/destination_rule.go MergeTrafficPolicy). For merged rules the top level and each
// subset may come from different rules; `rule` says which one the tls was written in.
import type { ClientTlsSettings, DestinationRule, TrafficPolicy } from '../api/index.js';
import type { ChosenDestinationRule } from './merge-destination-rules.js';

export interface ResolvedTls {
  tls: ClientTlsSettings | undefined;
  /** Where the tls came from, for reasons: `top level`, `port 8000`, `subset v1`, `subset v1 port 8000`. */
  from: string;
  /** The DestinationRule whose trafficPolicy gave the result; undefined when none had one. */
  rule: DestinationRule | undefined;
}

export function resolveTls(
  chosen: ChosenDestinationRule,
  servicePort: number,
  subset: string | undefined,
): ResolvedTls {
  const top = chosen.spec.trafficPolicy;
  const topPort = portLevel(top, servicePort);
  const topRule = chosen.trafficPolicyFrom;
  let resolved: ResolvedTls =
    topPort !== undefined
      ? { tls: topPort.tls, from: `port ${servicePort}`, rule: topRule }
      : { tls: top?.tls, from: 'top level', rule: topRule };
  if (subset === undefined) return resolved;
  const own = chosen.spec.subsets?.find((s) => s.name === subset)?.trafficPolicy;
  if (own === undefined) return resolved;
  const ownRule = chosen.subsetFrom.get(subset);
  const ownPort = portLevel(own, servicePort);
  if (ownPort !== undefined) {
    resolved = { tls: ownPort.tls, from: `subset ${subset} port ${servicePort}`, rule: ownRule };
  } else if (own.tls !== undefined) {
    resolved = { tls: own.tls, from: `subset ${subset}`, rule: ownRule };
  }
  return resolved;
}

function portLevel(policy: TrafficPolicy | undefined, port: number): { tls?: ClientTlsSettings } | undefined {
  return policy?.portLevelSettings?.find((p) => p.port.number === port);
}
