// Several DestinationRules for the same host in one namespace act as one, merged the way Istio
// merges them (istio/istio pilot/pkg/model/destination_rule.go, PushContext.mergeDestinationRule,
// fed oldest first by push_context.go setDestinationRules / sortConfigBySelectorAndCreationTime):
// - the top-level `trafficPolicy` is taken whole from the oldest rule that has one; a newer rule's
//   policy, port-level settings included, is dropped (Istio only adopts the incoming
//   TrafficPolicy while the merged one is still nil: no field-by-field merge);
// - subsets are concatenated, oldest rule first; a subset name already defined keeps its older
//   definition (Istio counts the newer one as a DuplicatedSubsets metric and drops it).
// Each subset keeps its own trafficPolicy, resolved later against the merged top level.
import type { DestinationRule, Subset } from '../api/index.js';

/** The rule a client uses for a host: one DestinationRule, or several merged. */
export interface ChosenDestinationRule {
  /** host from the oldest rule, trafficPolicy and subsets as merged. */
  readonly spec: Pick<DestinationRule['spec'], 'host' | 'trafficPolicy' | 'subsets'>;
  /** The rules it was made from, oldest first; one when nothing was merged. */
  readonly from: readonly DestinationRule[];
  /** The rule the top-level trafficPolicy came from; undefined when none has one. */
  readonly trafficPolicyFrom: DestinationRule | undefined;
  /** Subset name → the rule whose definition of it is used. */
  readonly subsetFrom: ReadonlyMap<string, DestinationRule>;
}

/** Merges rules for one host in one namespace; `rules` must be oldest first and not empty. */
export function mergeDestinationRules(rules: readonly DestinationRule[]): ChosenDestinationRule {
  const [oldest] = rules;
  if (oldest === undefined) throw new RangeError('mergeDestinationRules: no rules');
  const trafficPolicyFrom = rules.find((r) => r.spec.trafficPolicy !== undefined);
  const subsets: Subset[] = [];
  const subsetFrom = new Map<string, DestinationRule>();
  for (const rule of rules) {
    for (const subset of rule.spec.subsets ?? []) {
      if (subsetFrom.has(subset.name)) continue;
      subsetFrom.set(subset.name, rule);
      subsets.push(subset);
    }
  }
  const spec: ChosenDestinationRule['spec'] = { host: oldest.spec.host };
  if (trafficPolicyFrom?.spec.trafficPolicy !== undefined)
    spec.trafficPolicy = trafficPolicyFrom.spec.trafficPolicy;
  if (subsets.length > 0) spec.subsets = subsets;
  return { spec, from: [...rules], trafficPolicyFrom, subsetFrom };
}
