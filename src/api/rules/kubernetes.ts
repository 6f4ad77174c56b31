// Cross-field rules of the Kubernetes kinds: what Kubernetes' own validation enforces beyond shape.

import type { Issue, PathSegment } from '../problem.js';
import { isMap, listAt, mapAt, stringAt, stringMapAt } from './raw.js';

/** Container names and container port names are unique within a pod. */
export function podSpecIssues(spec: unknown, at: PathSegment[]): Issue[] {
  const issues: Issue[] = [];
  const names = new Set<string>();
  const portNames = new Set<string>();
  for (const field of ['initContainers', 'containers']) {
    listAt(spec, field).forEach((container, i) => {
      const name = stringAt(container, 'name');
      if (name !== undefined && name !== '') {
        if (names.has(name))
          issues.push({ path: [...at, field, i, 'name'], message: `duplicate container name "${name}"` });
        names.add(name);
      }
      listAt(container, 'ports').forEach((port, j) => {
        const portName = stringAt(port, 'name');
        if (portName === undefined) return;
        if (portNames.has(portName)) {
          issues.push({
            path: [...at, field, i, 'ports', j, 'name'],
            message: `duplicate container port name "${portName}"`,
          });
        }
        portNames.add(portName);
      });
    });
  }
  return issues;
}

export function podIssues(pod: unknown): Issue[] {
  return podSpecIssues(mapAt(pod, 'spec'), ['spec']);
}

/** apps/v1 needs a non-empty selector that matches the template's labels. */
export function deploymentIssues(deployment: unknown): Issue[] {
  const spec = mapAt(deployment, 'spec');
  const template = mapAt(spec, 'template');
  const issues = podSpecIssues(mapAt(template, 'spec'), ['spec', 'template', 'spec']);
  const templateLabels = stringMapAt(mapAt(template, 'metadata'), 'labels');
  const selector = mapAt(spec, 'selector');
  if (selector !== undefined) {
    const matchLabels = stringMapAt(selector, 'matchLabels');
    if (Object.keys(matchLabels).length === 0) {
      issues.push({
        path: ['spec', 'selector', 'matchLabels'],
        message: 'required: an empty selector would select every pod',
      });
    } else if (template !== undefined) {
      const missing = Object.entries(matchLabels).filter(([k, v]) => templateLabels[k] !== v);
      if (missing.length > 0) {
        const wanted = missing.map(([k, v]) => `${k}=${v}`).join(', ');
        issues.push({
          path: ['spec', 'template', 'metadata', 'labels'],
          message: `selector does not match template labels: the template needs ${wanted}`,
        });
      }
    }
  } else if (template !== undefined && Object.keys(templateLabels).length === 0 && isMap(spec)) {
    issues.push({
      path: ['spec', 'template', 'metadata', 'labels'],
      message: 'required: without a selector the template labels become the selector',
    });
  }
  return issues;
}

/** Service ports: named when there are several, names unique, (port, protocol) unique. */
export function serviceIssues(service: unknown): Issue[] {
  const issues: Issue[] = [];
  const ports = listAt(mapAt(service, 'spec'), 'ports');
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((port, i) => {
    if (!isMap(port)) return;
    const name = stringAt(port, 'name');
    if (name === undefined && ports.length > 1) {
      issues.push({
        path: ['spec', 'ports', i, 'name'],
        message: 'required when a service has more than one port',
      });
    }
    if (name !== undefined) {
      if (names.has(name))
        issues.push({ path: ['spec', 'ports', i, 'name'], message: `duplicate port name "${name}"` });
      names.add(name);
    }
    if (typeof port.port === 'number') {
      const key = `${port.port}/${stringAt(port, 'protocol') ?? 'TCP'}`;
      if (numbers.has(key))
        issues.push({ path: ['spec', 'ports', i, 'port'], message: `duplicate port ${key}` });
      numbers.add(key);
    }
  });
  return issues;
}
