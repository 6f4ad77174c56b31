// Validation of one decoded object: which kind and apiVersion it claims, the zod schema of that
// kind and version (strict: unknown fields are errors), then the cross-field rules Kubernetes and
// Istio enforce. Every problem is returned, none thrown.

import type { z } from 'zod';
import { KINDS, SUPPORTED_KINDS, kindInfo } from './kinds.js';
import { describeValue } from './problem.js';
import type { Issue, PathSegment } from './problem.js';
import type { Resource } from './resources.js';
import { configMap, endpoints, namespace, node, service, serviceAccount } from './schemas/core.js';
import { authenticationPolicy, destinationRule, peerAuthentication } from './schemas/istio.js';
import { deployment, pod } from './schemas/workloads.js';
import { isMap } from './rules/raw.js';
import { closestField, knownFields } from './suggest-field.js';
import { deploymentIssues, podIssues, serviceIssues } from './rules/kubernetes.js';
import {
  destinationRuleIssues,
  meshPolicyIssues,
  peerAuthenticationIssues,
  policyIssues,
} from './rules/istio.js';

export type { Problem, Issue, PathSegment } from './problem.js';
export { formatProblem, formatPath } from './problem.js';

interface KindCheck {
  schema: z.ZodType;
  rules?: (value: unknown) => Issue[];
}

/** Keyed by `apiVersion kind`. */
const CHECKS = new Map<string, KindCheck>([
  ['v1 Namespace', { schema: namespace }],
  ['v1 Node', { schema: node }],
  ['v1 ServiceAccount', { schema: serviceAccount }],
  ['v1 Service', { schema: service, rules: serviceIssues }],
  ['v1 Pod', { schema: pod, rules: podIssues }],
  ['v1 Endpoints', { schema: endpoints }],
  ['v1 ConfigMap', { schema: configMap }],
  ['apps/v1 Deployment', { schema: deployment('apps/v1'), rules: deploymentIssues }],
  ['extensions/v1beta1 Deployment', { schema: deployment('extensions/v1beta1'), rules: deploymentIssues }],
  [
    'security.istio.io/v1beta1 PeerAuthentication',
    { schema: peerAuthentication('security.istio.io/v1beta1'), rules: peerAuthenticationIssues },
  ],
  [
    'security.istio.io/v1 PeerAuthentication',
    { schema: peerAuthentication('security.istio.io/v1'), rules: peerAuthenticationIssues },
  ],
  [
    'authentication.istio.io/v1alpha1 Policy',
    { schema: authenticationPolicy('Policy'), rules: policyIssues },
  ],
  [
    'authentication.istio.io/v1alpha1 MeshPolicy',
    { schema: authenticationPolicy('MeshPolicy'), rules: meshPolicyIssues },
  ],
  [
    'networking.istio.io/v1alpha3 DestinationRule',
    { schema: destinationRule('networking.istio.io/v1alpha3'), rules: destinationRuleIssues },
  ],
  [
    'networking.istio.io/v1beta1 DestinationRule',
    { schema: destinationRule('networking.istio.io/v1beta1'), rules: destinationRuleIssues },
  ],
  [
    'networking.istio.io/v1 DestinationRule',
    { schema: destinationRule('networking.istio.io/v1'), rules: destinationRuleIssues },
  ],
]);

/** The schema writes of `kind` at `apiVersion` are validated against; undefined when not served. */
export function schemaFor(apiVersion: string, kind: string): z.ZodType | undefined {
  return CHECKS.get(`${apiVersion} ${kind}`)?.schema;
}

export interface Validation {
  /** Present only when there are no issues: the object exactly as written, typed. */
  resource?: Resource;
  issues: Issue[];
}

/** Validates one object (already parsed from YAML or JSON) against its kind and apiVersion. */
export function validateResource(value: unknown): Validation {
  if (!isMap(value)) {
    return {
      issues: [
        {
          path: [],
          message: `expected a Kubernetes object (a map with apiVersion and kind), got ${describeValue(value)}`,
        },
      ],
    };
  }
  const identity = identify(value);
  if ('issues' in identity) return identity;
  const parsed = identity.check.schema.safeParse(value);
  const issues = parsed.success
    ? []
    : parsed.error.issues.flatMap((i) => toIssues(i, value, identity.check.schema));
  issues.push(...(identity.check.rules?.(value) ?? []));
  if (issues.length > 0) return { issues };
  // The schemas neither coerce nor default, so the input is the output; returning the input keeps
  // the author's key order for `get -o yaml`.
  return { resource: value as unknown as Resource, issues };
}

function identify(value: Record<string, unknown>): { check: KindCheck } | { issues: Issue[] } {
  const { kind, apiVersion } = value;
  const supported = `supported kinds are ${SUPPORTED_KINDS.join(', ')}`;
  if (typeof kind !== 'string' || kind === '') {
    const got = kind === undefined ? 'required' : `expected a kind, got ${describeValue(kind)}`;
    return { issues: [{ path: ['kind'], message: `${got}; ${supported}` }] };
  }
  const info = kindInfo(kind) ?? KINDS.find((k) => k.kind.toLowerCase() === kind.toLowerCase());
  if (info === undefined)
    return { issues: [{ path: ['kind'], message: `unknown kind "${kind}"; ${supported}` }] };
  if (info.kind !== kind)
    return { issues: [{ path: ['kind'], message: `unknown kind "${kind}"; did you mean "${info.kind}"?` }] };
  const accepted = `${kind} is served at ${info.apiVersions.join(', ')}`;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    const got =
      apiVersion === undefined ? 'required' : `expected an apiVersion, got ${describeValue(apiVersion)}`;
    return { issues: [{ path: ['apiVersion'], message: `${got}; ${accepted}` }] };
  }
  const check = CHECKS.get(`${apiVersion} ${kind}`);
  if (check === undefined) {
    return {
      issues: [
        {
          path: ['apiVersion'],
          message: `${kind} is not served at "${apiVersion}"; accepted: ${info.apiVersions.join(', ')}`,
        },
      ],
    };
  }
  return { check };
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
  null: 'null',
};

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isMap(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}

function orList(values: readonly unknown[]): string {
  const words = values.map((v) => String(v));
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** One zod issue in people's words; an unknown-keys issue becomes one issue per key. */
function toIssues(issue: z.core.$ZodIssue, root: unknown, schema: z.ZodType): Issue[] {
  const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
  const value = valueAt(root, path);
  const got = `got ${describeValue(value)}`;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: unknownField(key, knownFields(schema, path)),
      }));
    case 'invalid_type': {
      if (value === undefined)
        return [{ path, message: `required, expected ${TYPE_NAMES[issue.expected] ?? issue.expected}` }];
      // YAML reads `version: 1` or `enabled: true` as a number or boolean; quoting keeps a string.
      const hint =
        issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
          ? ' (quote it to keep it a string)'
          : '';
      return [{ path, message: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, ${got}${hint}` }];
    }
    case 'invalid_value':
      if (value === undefined) return [{ path, message: `required, expected ${orList(issue.values)}` }];
      return [{ path, message: `expected ${orList(issue.values)}, ${got}` }];
    default: {
      const message = issue.message.startsWith('expected') ? `${issue.message}, ${got}` : issue.message;
      return [{ path, message }];
    }
  }
}

function unknownField(key: string, known: string[]): string {
  const suggestion = closestField(key, known);
  return suggestion === undefined
    ? `unknown field "${key}"`
    : `unknown field "${key}"; did you mean "${suggestion}"?`;
}
