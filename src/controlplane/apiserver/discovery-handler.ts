// GET of the discovery and OpenAPI documents (discovery-documents.ts and openapi-documents.ts
// build them from the kinds registry).

import type { ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery-documents.js';
import { sendJson } from './http-io.js';
import { openApiGroupVersion, openApiIndex } from './openapi-documents.js';
import type { Route } from './route.js';

export type DiscoveryRoute = Extract<
  Route,
  { type: 'discovery' } | { type: 'resource-list' } | { type: 'openapi-index' } | { type: 'openapi' }
>;

export function handleDiscovery(route: DiscoveryRoute, method: string, res: ServerResponse): void {
  if (method !== 'GET') throw new ApiError('AUTOMESH_ERR_API_METHOD', 'discovery documents take GET');
  if (route.type === 'openapi-index') return sendJson(res, 200, openApiIndex());
  if (route.type === 'openapi') return sendJson(res, 200, openApiGroupVersion(route.group, route.version));
  if (route.type === 'resource-list') {
    sendJson(res, 200, apiResourceList(route.group, route.version));
    return;
  }
  if (route.document === 'api') sendJson(res, 200, apiVersions());
  else if (route.document === 'apis') sendJson(res, 200, apiGroupList());
  else
    sendJson(res, 200, versionInfo(`${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`));
}
