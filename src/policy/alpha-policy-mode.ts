// v1alpha1 Policy / MeshPolicy resolution (the seed's API), looked up per (service, service port)
// that reaches the workload port: oldest service-targeted Policy whose ports match → the
// namespace's `default` Policy → MeshPolicy `default`. No inheritance between levels.
import type {
  AuthenticationPolicySpec,
  PeerAuthenticationMethod,
  ServerMode,
  Service,
  ServicePort,
  TargetSelector,
} from '../api/index.js';
import type { MeshIndex } from './mesh-index.js';
import type { WorkloadInstance } from './mesh-state.js';
import type { ModeDecision } from './mode-decision.js';
import { fqdnOf, serviceNamespace } from './names.js';
import { targetPortOf } from '../api/index.js';
import { refOf } from './oldest-first.js';

interface ServicePortRef {
  service: Service;
  port: ServicePort;
}

export function alphaPolicyMode(index: MeshIndex, workload: WorkloadInstance, port: number): ModeDecision {
  const reaching: ServicePortRef[] = [];
  for (const service of index.workloadServices(workload)) {
    for (const servicePort of service.spec.ports) {
      if (targetPortOf(servicePort, workload) === port) reaching.push({ service, port: servicePort });
    }
  }
  const first = reaching[0];
  const decision = lookup(index, workload.namespace, first);
  if (reaching.length < 2) return decision;
  // Several service ports reach this workload port: the first by service name then port decides.
  const others = reaching.slice(1).map((r) => `${r.service.metadata.name}:${r.port.port}`);
  const note = `; decided by service ${first?.service.metadata.name}:${first?.port.port}, first by name of ${reaching.length} (also ${others.join(', ')})`;
  return { ...decision, reason: decision.reason.replace(/\)$/, `${note})`) };
}

function lookup(index: MeshIndex, namespace: string, target: ServicePortRef | undefined): ModeDecision {
  if (target !== undefined) {
    const ns = serviceNamespace(target.service);
    for (const policy of index.targetedPolicies.get(ns) ?? []) {
      const selector = (policy.spec.targets ?? []).find((t) => targetSelects(t, target));
      if (selector === undefined) continue;
      const ports = (selector.ports ?? []).length > 0 ? ` port ${target.port.port}` : '';
      const why = `Policy ${refOf(policy.metadata)} targets service ${target.service.metadata.name}${ports}`;
      return decide(policy.spec, `Policy ${refOf(policy.metadata)}`, why);
    }
  }
  const nsDefault = index.defaultPolicies.get(namespace);
  if (nsDefault !== undefined) {
    const source = `Policy ${refOf(nsDefault.metadata)}`;
    return decide(nsDefault.spec, source, `${source} for namespace ${namespace}`);
  }
  if (index.meshPolicy !== undefined)
    return decide(index.meshPolicy.spec, 'MeshPolicy default', 'MeshPolicy default');
  return { mode: 'PERMISSIVE', source: 'none', reason: 'PERMISSIVE (no policy applies)' };
}

function targetSelects(selector: TargetSelector, target: ServicePortRef): boolean {
  const named = selector.name === target.service.metadata.name || selector.name === fqdnOf(target.service);
  if (!named) return false;
  const ports = selector.ports ?? [];
  if (ports.length === 0) return true;
  return ports.some(
    (p) =>
      (p.number !== undefined && p.number === target.port.port) ||
      (p.name !== undefined && p.name === target.port.name),
  );
}

/** The first `mtls` peer decides; `mtls: {}` / null is STRICT; no mtls peer means DISABLE. */
function decide(spec: AuthenticationPolicySpec, source: string, why: string): ModeDecision {
  const peer = (spec.peers ?? []).find(isMtlsPeer);
  let mode: ServerMode = 'DISABLE';
  if (peer !== undefined) mode = peer.mtls?.mode === 'PERMISSIVE' ? 'PERMISSIVE' : 'STRICT';
  const suffix = peer === undefined ? ', no mtls peer' : '';
  return { mode, source, reason: `${mode} (${why}${suffix})` };
}

/** `mtls:` written with no value decodes to null (STRICT); a jwt-only peer is not mtls. */
function isMtlsPeer(peer: PeerAuthenticationMethod | null): peer is PeerAuthenticationMethod {
  if (peer === null || typeof peer !== 'object') return false;
  return peer.mtls !== undefined || ('mtls' in peer && peer.jwt === undefined);
}
