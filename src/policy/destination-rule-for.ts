// Which DestinationRule a client uses for a service, as behaviour.md ("What the client sidecar
// sends", step 1) states it and Istio does it (istio/istio pilot/pkg/model/push_context.go,
// PushContext.destinationRule over the index setDestinationRules builds):
// 1. the client's namespace — for a client in the root namespace only the root rules exported to
//    nothing but the root namespace itself (Istio's rootNamespaceLocal: "isPrivateOnly" rules),
//    so that a catch-all such as `*.local` there does not hide the service's own rules;
// 2. the service's namespace;
// 3. the root namespace (for a root-namespace client: its other rules).
// A step counts only rules exported to the client's namespace. Within a step the most specific
// host wins, and the rules for that host are merged (merge-destination-rules.ts).
// Where Istio's code does something the contract does not say, the contract wins: a rule not
// exported to the client is not seen at all, where Istio (1) picks the most specific host of a
// namespace's exported rules before dropping those not exported to the client
// (getExportedDestinationRuleFromNamespace), so a hidden exact rule hides a visible wildcard;
// (2) keeps rules for one host with different exportTo apart (mergeDestinationRule with
// ENABLE_ENHANCED_DESTINATIONRULE_MERGE) and lets SidecarScope.DestinationRule take the last one;
// (3) hides a root rule exported to `.` and other namespaces from root clients (its exported
// index is checked for the namespace's name, never for `.`); (4) counts a root rule exported to
// both `.` and the root's own name as public ("isPrivateOnly" wants a single entry).
import { namespaceOf } from '../api/index.js';
import type { DestinationRule, Service } from '../api/index.js';
import { hostMatchScore } from './host-match.js';
import { mergeDestinationRules } from './merge-destination-rules.js';
import type { ChosenDestinationRule } from './merge-destination-rules.js';
import type { MeshIndex } from './mesh-index.js';
import { serviceNamespace } from './names.js';
import { refOf } from './oldest-first.js';

/** Where the lookup found the rule, for explanations. */
export type RuleLookupStep =
  | "the client's namespace"
  | "the root namespace's rules exported only to itself"
  | "the service's namespace"
  | 'the root namespace';

export interface DestinationRuleSelection {
  readonly rule: ChosenDestinationRule;
  readonly step: RuleLookupStep;
}

interface LookupStep {
  namespace: string;
  step: RuleLookupStep;
  /** Further narrows the namespace's rules (the root namespace split for its own clients). */
  accepts?: (rule: DestinationRule) => boolean;
}

/** The rule a client in `clientNamespace` uses for `service`, if any. */
export function destinationRuleFor(
  index: MeshIndex,
  clientNamespace: string,
  service: Service,
): ChosenDestinationRule | undefined {
  return selectDestinationRule(index, clientNamespace, service)?.rule;
}

/** The rule a client in `clientNamespace` uses for `service` and the step that found it. */
export function selectDestinationRule(
  index: MeshIndex,
  clientNamespace: string,
  service: Service,
): DestinationRuleSelection | undefined {
  let perService = index.ruleMemo.get(clientNamespace);
  if (perService === undefined) {
    perService = new Map();
    index.ruleMemo.set(clientNamespace, perService);
  }
  const memo = perService.get(service);
  if (memo !== undefined) return memo ?? undefined;
  const chosen = destinationRuleForHost(
    index,
    clientNamespace,
    index.fqdn(service),
    serviceNamespace(service),
  );
  perService.set(service, chosen ?? null);
  return chosen;
}

/**
 * The lookup for a host owned by `serviceNs`, unmemoised. Istio's own table for it
 * (push_context_test.go TestSetDestinationRuleWithExportTo) gives one host several owning
 * namespaces, which Kubernetes names cannot; this entry lets that table run here unchanged.
 */
export function destinationRuleForHost(
  index: MeshIndex,
  clientNamespace: string,
  fqdn: string,
  serviceNs: string,
): DestinationRuleSelection | undefined {
  for (const step of lookupSteps(index.settings.rootNamespace, clientNamespace, serviceNs)) {
    const rules = mostSpecific(index, step, fqdn, clientNamespace);
    if (rules.length > 0) return { rule: merged(index, rules), step: step.step };
  }
  return undefined;
}

function lookupSteps(root: string, clientNs: string, serviceNs: string): LookupStep[] {
  const steps: LookupStep[] =
    clientNs === root
      ? [
          {
            namespace: root,
            step: "the root namespace's rules exported only to itself",
            accepts: privateToItself,
          },
        ]
      : [{ namespace: clientNs, step: "the client's namespace" }];
  if (serviceNs !== clientNs) steps.push({ namespace: serviceNs, step: "the service's namespace" });
  if (clientNs === root) steps.push({ namespace: root, step: 'the root namespace', accepts: notPrivate });
  else if (serviceNs !== root) steps.push({ namespace: root, step: 'the root namespace' });
  return steps;
}

/** The visible rules of the step's namespace naming `fqdn` most specifically, oldest first. */
function mostSpecific(
  index: MeshIndex,
  step: LookupStep,
  fqdn: string,
  clientNamespace: string,
): DestinationRule[] {
  const rules = index.destinationRules.get(step.namespace);
  if (rules === undefined) return [];
  let best: DestinationRule[] = [];
  let bestScore = -1;
  for (const rule of rules) {
    if (!exportedTo(rule, clientNamespace)) continue;
    if (step.accepts !== undefined && !step.accepts(rule)) continue;
    const score = hostMatchScore(rule.spec.host, step.namespace, fqdn);
    if (score > bestScore) {
      best = [rule];
      bestScore = score;
    } else if (score === bestScore && score >= 0) {
      best.push(rule);
    }
  }
  return best;
}

/** One shared object per set of rules, so snapshots built from the same choice can be shared. */
function merged(index: MeshIndex, rules: DestinationRule[]): ChosenDestinationRule {
  const key = rules.map((r) => refOf(r.metadata)).join(',');
  let found = index.mergedRuleMemo.get(key);
  if (found === undefined) {
    found = mergeDestinationRules(rules);
    index.mergedRuleMemo.set(key, found);
  }
  return found;
}

/**
 * exportTo absent or empty, or `*`: every namespace; `.`: the rule's own; a name: that namespace.
 * The rule's own namespace is no exception: a rule exported only elsewhere does not apply there
 * (Istio's setDestinationRules leaves such a rule out of its namespace's namespaceLocal index).
 */
export function exportedTo(rule: DestinationRule, namespace: string): boolean {
  const exportTo = rule.spec.exportTo ?? [];
  if (exportTo.length === 0) return true;
  const own = namespaceOf(rule);
  return exportTo.some((to) => to === '*' || to === namespace || (to === '.' && own === namespace));
}

/** Exported to nothing but its own namespace (`.` or its own name): Istio's "isPrivateOnly". */
function privateToItself(rule: DestinationRule): boolean {
  const exportTo = rule.spec.exportTo ?? [];
  const own = namespaceOf(rule);
  return exportTo.length > 0 && exportTo.every((to) => to === '.' || to === own);
}

function notPrivate(rule: DestinationRule): boolean {
  return !privateToItself(rule);
}
