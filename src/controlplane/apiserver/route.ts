// Parses a request path into what it addresses, from the kinds registry:
//   /api/v1/{plural}[/{name}]                         cluster-scoped kind, or every namespace
//   /api/v1/namespaces/{ns}/{plural}[/{name}]          namespaced kind
//   /apis/{group}/{version}/...                        the same under a named group
//   /apis/automesh.io/v1/apply                         batch apply
//   /api, /apis, /version                              discovery documents
//   /api/v1, /apis/{group}/{version}                   a served group version's resource list
//   /openapi/v3, /openapi/v3/api/v1, /openapi/v3/apis/{group}/{version}   OpenAPI v3 documents
//   /api/v1/namespaces/{ns}/pods/{name}/log            a container's output
//   /api/v1/namespaces/{ns}/pods/{name}/exec           a command in a container (WebSocket)
//   /api/v1/namespaces/{ns}/serviceaccounts/{sa}/token  a pod token (TokenRequest)
//   /apis/automesh.io/v1/clusterinfo|jointokens|nodecredentials   joining a host (node-join-handlers)
// Pure: no I/O, so it is tested directly and shared by every handler.

import { KINDS, kindForResource, kindsAt, type KindInfo } from '../../api/index.js';
import { ApiError } from './api-error.js';

/** The group/version of automesh's own endpoints (batch apply). */
export const AUTOMESH_GROUP_VERSION = 'automesh.io/v1';

/** automesh.io/v1 paths for joining a host: public root and addresses, join tokens, node credentials. */
export const NODE_JOIN_ENDPOINTS = ['clusterinfo', 'jointokens', 'nodecredentials'] as const;
export type NodeJoinEndpoint = (typeof NODE_JOIN_ENDPOINTS)[number];

export type Route =
  | { type: 'apply' }
  | { type: 'discovery'; document: 'api' | 'apis' | 'version' }
  | { type: 'resource-list'; group: string; version: string }
  | { type: 'openapi-index' }
  | { type: 'openapi'; group: string; version: string }
  | { type: 'pod-log'; namespace: string; name: string }
  | { type: 'pod-exec'; namespace: string; name: string }
  | { type: 'serviceaccount-token'; namespace: string; name: string }
  | { type: 'node-join'; endpoint: NodeJoinEndpoint }
  | {
      type: 'resource';
      kind: KindInfo;
      /** The apiVersion the path addressed (`apps/v1`), used for list objects. */
      apiVersion: string;
      /** Absent for cluster-scoped kinds and for all-namespaces collections. */
      namespace?: string;
      name?: string;
    };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `malformed percent-encoding in path segment "${segment}"`,
    );
  }
}

function supported(): string {
  return KINDS.map((k) => `${k.plural} (${k.kind}, ${k.apiVersions.join(' ')})`).join(', ');
}

function notFound(path: string): ApiError {
  return new ApiError(
    'AUTOMESH_ERR_API_NOT_FOUND',
    `the server could not find the requested resource ${path}; supported resources: ${supported()}`,
  );
}

function openApiRoute(parts: string[], pathname: string): Route {
  if (parts.length === 0) return { type: 'openapi-index' };
  const [group, version] =
    parts[0] === 'api' && parts.length === 2
      ? ['', parts[1] as string]
      : parts[0] === 'apis' && parts.length === 3
        ? [parts[1] as string, parts[2] as string]
        : ['', ''];
  if (version === '' || kindsAt(group, version).length === 0) throw notFound(pathname);
  return { type: 'openapi', group, version };
}

export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decode);
  if (parts.length === 1 && (parts[0] === 'api' || parts[0] === 'apis' || parts[0] === 'version'))
    return { type: 'discovery', document: parts[0] };
  if (parts[0] === 'openapi' && parts[1] === 'v3') return openApiRoute(parts.slice(2), pathname);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    [group, version, rest] = ['', parts[1] as string, parts.slice(2)];
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    [group, version, rest] = [parts[1] as string, parts[2] as string, parts.slice(3)];
  } else throw notFound(pathname);

  if (rest.length === 0) {
    if (kindsAt(group, version).length === 0) throw notFound(pathname);
    return { type: 'resource-list', group, version };
  }
  const apiVersion = group === '' ? version : `${group}/${version}`;
  if (apiVersion === AUTOMESH_GROUP_VERSION && rest.length === 1 && rest[0] === 'apply')
    return { type: 'apply' };
  const joinEndpoint = NODE_JOIN_ENDPOINTS.find((e) => e === rest[0]);
  if (apiVersion === AUTOMESH_GROUP_VERSION && rest.length === 1 && joinEndpoint !== undefined)
    return { type: 'node-join', endpoint: joinEndpoint };

  // Pod subresources: logs and exec.
  const subresource = rest[4];
  if (apiVersion === 'v1' && rest[0] === 'namespaces' && rest[2] === 'pods' && rest.length === 5) {
    if (subresource === 'log' || subresource === 'exec') {
      const type = subresource === 'log' ? 'pod-log' : 'pod-exec';
      return { type, namespace: rest[1] as string, name: rest[3] as string };
    }
  }
  if (
    apiVersion === 'v1' &&
    rest[0] === 'namespaces' &&
    rest[2] === 'serviceaccounts' &&
    rest.length === 5 &&
    subresource === 'token'
  )
    return { type: 'serviceaccount-token', namespace: rest[1] as string, name: rest[3] as string };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const kind = kindForResource(group, version, rest[2] as string);
    if (!kind || !kind.namespaced || rest.length > 4) throw notFound(pathname);
    const name = rest[3];
    return {
      type: 'resource',
      kind,
      apiVersion,
      namespace: rest[1] as string,
      ...(name === undefined ? {} : { name }),
    };
  }
  if (rest.length === 1 || rest.length === 2) {
    const kind = kindForResource(group, version, rest[0] as string);
    if (!kind) throw notFound(pathname);
    // A namespaced kind without a namespace is only the all-namespaces collection, never one object.
    if (kind.namespaced && rest.length === 2) throw notFound(pathname);
    const name = rest[1];
    return { type: 'resource', kind, apiVersion, ...(name === undefined ? {} : { name }) };
  }
  throw notFound(pathname);
}
