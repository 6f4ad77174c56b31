// Istio's own validation rules (pkg/config/validation) for the kinds automesh reads.

import type { Issue, PathSegment } from '../problem.js';
import { has, isMap, listAt, mapAt, stringAt } from './raw.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i;

/** Policy: without targets it must be `default`; `default` has no targets. Ports name one port. */
export function policyIssues(policy: unknown): Issue[] {
  const name = stringAt(mapAt(policy, 'metadata'), 'name');
  const spec = mapAt(policy, 'spec');
  const targets = listAt(spec, 'targets');
  const issues = [...targetIssues(targets), ...peerIssues(spec)];
  if (name === undefined) return issues;
  if (targets.length === 0 && name !== 'default') {
    issues.push({
      path: ['metadata', 'name'],
      message: `a Policy without targets applies to the whole namespace and must be named "default", got "${name}"`,
    });
  }
  if (targets.length > 0 && name === 'default') {
    issues.push({
      path: ['spec', 'targets'],
      message: 'a Policy named "default" applies to the whole namespace and cannot have targets',
    });
  }
  return issues;
}

/** MeshPolicy: named `default`, no targets. */
export function meshPolicyIssues(policy: unknown): Issue[] {
  const name = stringAt(mapAt(policy, 'metadata'), 'name');
  const spec = mapAt(policy, 'spec');
  const issues = peerIssues(spec);
  if (name !== undefined && name !== 'default') {
    issues.push({
      path: ['metadata', 'name'],
      message: `a MeshPolicy must be named "default", got "${name}"`,
    });
  }
  if (listAt(spec, 'targets').length > 0) {
    issues.push({
      path: ['spec', 'targets'],
      message: 'a MeshPolicy applies to the whole mesh and cannot have targets',
    });
  }
  return issues;
}

function targetIssues(targets: unknown[]): Issue[] {
  const issues: Issue[] = [];
  targets.forEach((target, i) => {
    listAt(target, 'ports').forEach((port, j) => {
      if (isMap(port) && has(port, 'number') === has(port, 'name')) {
        issues.push({
          path: ['spec', 'targets', i, 'ports', j],
          message: 'expected exactly one of number or name',
        });
      }
    });
  });
  return issues;
}

function peerIssues(spec: unknown): Issue[] {
  const issues: Issue[] = [];
  listAt(spec, 'peers').forEach((peer, i) => {
    if (!isMap(peer)) return;
    const methods = ['mtls', 'jwt'].filter((key) => key in peer);
    if (methods.length !== 1) {
      issues.push({ path: ['spec', 'peers', i], message: 'expected exactly one of mtls or jwt' });
    }
  });
  return issues;
}

/** PeerAuthentication: `portLevelMtls` needs a selector and is keyed by port numbers. */
export function peerAuthenticationIssues(pa: unknown): Issue[] {
  const spec = mapAt(pa, 'spec');
  const portLevel = mapAt(spec, 'portLevelMtls');
  if (portLevel === undefined) return [];
  const issues: Issue[] = [];
  if (!has(spec, 'selector')) {
    issues.push({
      path: ['spec', 'portLevelMtls'],
      message: 'needs a selector: port-level modes apply to the ports of selected workloads',
    });
  }
  if (Object.keys(portLevel).length === 0) {
    issues.push({ path: ['spec', 'portLevelMtls'], message: 'expected at least one port' });
  }
  for (const key of Object.keys(portLevel)) {
    const n = Number(key);
    if (!/^\d+$/.test(key) || n < 1 || n > 65535) {
      issues.push({
        path: ['spec', 'portLevelMtls', key],
        message: `keys are port numbers 1-65535, got "${key}"`,
      });
    }
  }
  return issues;
}

/** DestinationRule: a valid host, unique subset names, TLS settings complete for their mode. */
export function destinationRuleIssues(rule: unknown): Issue[] {
  const spec = mapAt(rule, 'spec');
  const issues: Issue[] = [];
  const host = stringAt(spec, 'host');
  if (host !== undefined && host !== '') {
    const message = hostError(host);
    if (message !== undefined) issues.push({ path: ['spec', 'host'], message });
  }
  issues.push(...trafficPolicyIssues(mapAt(spec, 'trafficPolicy'), ['spec', 'trafficPolicy']));
  const names = new Set<string>();
  listAt(spec, 'subsets').forEach((subset, i) => {
    const name = stringAt(subset, 'name');
    if (name !== undefined && names.has(name)) {
      issues.push({ path: ['spec', 'subsets', i, 'name'], message: `duplicate subset name "${name}"` });
    }
    if (name !== undefined) names.add(name);
    issues.push(
      ...trafficPolicyIssues(mapAt(subset, 'trafficPolicy'), ['spec', 'subsets', i, 'trafficPolicy']),
    );
  });
  return issues;
}

function hostError(host: string): string | undefined {
  if (host === '*') return undefined;
  const labels = host.split('.');
  const ok = labels.every(
    (label, i) => (i === 0 && label === '*') || (DNS_LABEL.test(label) && label.length <= 63),
  );
  if (ok && host.length <= 255) return undefined;
  return `invalid host "${host}": expected a DNS name such as httpbin.full.svc.cluster.local, a short name, or a wildcard like *.local`;
}

function trafficPolicyIssues(policy: RawPolicy, at: PathSegment[]): Issue[] {
  if (policy === undefined) return [];
  const issues = tlsIssues(mapAt(policy, 'tls'), [...at, 'tls']);
  listAt(policy, 'portLevelSettings').forEach((setting, i) => {
    issues.push(...tlsIssues(mapAt(setting, 'tls'), [...at, 'portLevelSettings', i, 'tls']));
  });
  return issues;
}

type RawPolicy = Record<string, unknown> | undefined;

const ISTIO_MUTUAL_FORBIDDEN = ['clientCertificate', 'privateKey', 'caCertificates', 'credentialName'];

function tlsIssues(tls: RawPolicy, at: PathSegment[]): Issue[] {
  if (tls === undefined) return [];
  const mode = stringAt(tls, 'mode');
  const issues: Issue[] = [];
  if (mode === 'MUTUAL' && !has(tls, 'credentialName')) {
    for (const field of ['clientCertificate', 'privateKey']) {
      if (!has(tls, field)) {
        issues.push({ path: [...at, field], message: 'required for mode MUTUAL (or give credentialName)' });
      }
    }
  }
  if (mode === 'ISTIO_MUTUAL') {
    for (const field of ISTIO_MUTUAL_FORBIDDEN.filter((f) => has(tls, f))) {
      issues.push({
        path: [...at, field],
        message: 'not allowed with mode ISTIO_MUTUAL: the mesh provides the certificates',
      });
    }
  }
  return issues;
}
