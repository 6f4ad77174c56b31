// The OpenAPI schema of a served kind, derived from the zod schema its writes are validated
// against (so what `kubectl explain` shows and what the API server accepts cannot drift), with
// the names kube-apiserver and Istio's CRDs publish them under.

import { z } from 'zod';
import { schemaFor } from './validate.js';

const cache = new Map<string, Record<string, unknown> | undefined>();

/**
 * `io.k8s.api.core.v1.ConfigMap`, `io.k8s.api.apps.v1.Deployment`, and for groups that are domains
 * the reversed domain (`security.istio.io` → `io.istio.security.v1beta1.PeerAuthentication`).
 */
export function openApiSchemaName(group: string, version: string, kind: string): string {
  const prefix =
    group === ''
      ? 'io.k8s.api.core'
      : group.includes('.')
        ? group.split('.').reverse().join('.')
        : `io.k8s.api.${group}`;
  return `${prefix}.${version}.${kind}`;
}

/** The OpenAPI 3.0 schema of `kind` at `apiVersion` (inline, no $refs); undefined when not served. */
export function openApiSchemaOf(apiVersion: string, kind: string): Record<string, unknown> | undefined {
  const key = `${apiVersion} ${kind}`;
  if (!cache.has(key)) {
    const schema = schemaFor(apiVersion, kind);
    // Refinements (name rules, cross-field checks) have no OpenAPI form; their base types stay.
    const json =
      schema === undefined
        ? undefined
        : (z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<
            string,
            unknown
          >);
    cache.set(key, json);
  }
  return cache.get(key);
}
