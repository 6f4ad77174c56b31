// The OpenAPI v3 documents kubectl 1.32 reads before `create -f`, `replace` and `apply` (its
// default --validate=strict). kubectl validates on the client only when the server cannot: it
// looks, per group version, for the PATCH operation of the object's kind carrying the
// `fieldValidation` query parameter, and when it finds one it sends `fieldValidation=Strict` and
// leaves validation to the server, which automesh always does strictly (unknown fields refused
// with their path, 422). So each document lists, for each kind, its object path with GET, PUT,
// PATCH and DELETE, the kind's `x-kubernetes-group-version-kind` and that parameter. Each kind's
// schema (api's openApiSchemaOf, from the zod schema writes are validated against) is published
// under components.schemas with its group-version-kind, which `kubectl explain` looks up. Pure.
//   /openapi/v3            {paths: {"api/v1": {serverRelativeURL}, "apis/apps/v1": ...}}
//   /openapi/v3/api/v1     the document of one group version

import { createHash } from 'node:crypto';
import {
  kindsAt,
  openApiSchemaName,
  openApiSchemaOf,
  servedGroups,
  resourcePath,
  type KindInfo,
} from '../../api/index.js';
import { KUBERNETES_VERSION } from './discovery-documents.js';

const groupVersionPath = (group: string, version: string): string =>
  group === '' ? `api/${version}` : `apis/${group}/${version}`;

function objectPath(kind: KindInfo, apiVersion: string): string {
  return resourcePath(kind, {
    apiVersion,
    ...(kind.namespaced ? { namespace: '{namespace}' } : {}),
    name: '{name}',
  }).replace(/%7B(namespace|name)%7D/g, '{$1}');
}

function operation(
  kind: KindInfo,
  group: string,
  version: string,
  query: string[],
  schema: string | undefined,
): Record<string, unknown> {
  const content =
    schema === undefined
      ? {}
      : { content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } };
  return {
    'x-kubernetes-group-version-kind': { group, version, kind: kind.kind },
    parameters: query.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
    responses: { '200': { description: 'OK', ...content } },
  };
}

/** The document of one group version; undefined when nothing is served there. */
export function openApiGroupVersion(group: string, version: string): unknown {
  const kinds = kindsAt(group, version);
  if (kinds.length === 0) return undefined;
  const apiVersion = group === '' ? version : `${group}/${version}`;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const kind of kinds) {
    const json = openApiSchemaOf(apiVersion, kind.kind);
    const name = json === undefined ? undefined : openApiSchemaName(group, version, kind.kind);
    if (name !== undefined)
      schemas[name] = { ...json, 'x-kubernetes-group-version-kind': [{ group, version, kind: kind.kind }] };
    paths[objectPath(kind, apiVersion)] = {
      get: operation(kind, group, version, [], name),
      put: operation(kind, group, version, ['dryRun', 'fieldManager', 'fieldValidation'], name),
      patch: operation(kind, group, version, ['dryRun', 'fieldManager', 'fieldValidation', 'force'], name),
      delete: operation(kind, group, version, ['dryRun', 'gracePeriodSeconds', 'propagationPolicy'], name),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion },
    paths,
    components: { schemas },
  };
}

/** The index of every group version's document, each URL with a hash of its content (as kube does). */
export function openApiIndex(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, versions } of servedGroups()) {
    for (const version of versions) {
      const path = groupVersionPath(group, version);
      const hash = createHash('sha512')
        .update(JSON.stringify(openApiGroupVersion(group, version)))
        .digest('hex')
        .slice(0, 128);
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
    }
  }
  return { paths };
}
