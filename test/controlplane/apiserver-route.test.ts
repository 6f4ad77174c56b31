import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, parseRoute } from '../../src/controlplane/index.js';

const describeRoute = (path: string): string => {
  const route = parseRoute(path);
  if (route.type === 'apply') return 'apply';
  if (route.type === 'discovery') return `discovery ${route.document}`;
  if (route.type === 'resource-list') return `resources ${route.group || 'core'} ${route.version}`;
  if (route.type === 'openapi-index') return 'openapi';
  if (route.type === 'pod-log') return `log ${route.namespace} ${route.name}`;
  if (route.type === 'pod-exec') return `exec ${route.namespace} ${route.name}`;
  if (route.type === 'openapi') return `openapi ${route.group || 'core'} ${route.version}`;
  if (route.type === 'serviceaccount-token') return `token ${route.namespace} ${route.name}`;
  if (route.type === 'node-join') return `join ${route.endpoint}`;
  return [route.kind.kind, route.apiVersion, route.namespace ?? '-', route.name ?? '-'].join(' ');
};

describe('API server routes', () => {
  const table: [string, string][] = [
    ['/api/v1/namespaces/web/serviceaccounts/sleep/token', 'token web sleep'],
    ['/apis/automesh.io/v1/clusterinfo', 'join clusterinfo'],
    ['/apis/automesh.io/v1/nodecredentials', 'join nodecredentials'],
    ['/api/v1/namespaces', 'Namespace v1 - -'],
    ['/api/v1/namespaces/foo', 'Namespace v1 - foo'],
    ['/api/v1/namespaces/foo/pods', 'Pod v1 foo -'],
    ['/api/v1/namespaces/foo/pods/web-1', 'Pod v1 foo web-1'],
    ['/api/v1/pods', 'Pod v1 - -'],
    ['/apis/apps/v1/namespaces/foo/deployments/httpbin', 'Deployment apps/v1 foo httpbin'],
    ['/apis/extensions/v1beta1/namespaces/foo/deployments', 'Deployment extensions/v1beta1 foo -'],
    [
      '/apis/security.istio.io/v1/namespaces/istio-system/peerauthentications/default',
      'PeerAuthentication security.istio.io/v1 istio-system default',
    ],
    [
      '/apis/authentication.istio.io/v1alpha1/meshpolicies/default',
      'MeshPolicy authentication.istio.io/v1alpha1 - default',
    ],
    [
      '/apis/networking.istio.io/v1alpha3/destinationrules',
      'DestinationRule networking.istio.io/v1alpha3 - -',
    ],
    ['/api/v1/namespaces/foo/services/a%20b', 'Service v1 foo a b'],
    ['/apis/automesh.io/v1/apply', 'apply'],
    ['/api', 'discovery api'],
    ['/apis', 'discovery apis'],
    ['/version', 'discovery version'],
    ['/api/v1', 'resources core v1'],
    ['/apis/apps/v1', 'resources apps v1'],
    ['/apis/extensions/v1beta1', 'resources extensions v1beta1'],
    ['/apis/security.istio.io/v1', 'resources security.istio.io v1'],
    ['/openapi/v3', 'openapi'],
    ['/api/v1/namespaces/foo/pods/web-1/log', 'log foo web-1'],
    ['/api/v1/namespaces/foo/pods/web-1/exec', 'exec foo web-1'],
    ['/openapi/v3/api/v1', 'openapi core v1'],
    ['/openapi/v3/apis/apps/v1', 'openapi apps v1'],
  ];
  for (const [path, expected] of table) {
    it(`routes ${path}`, () => assert.equal(describeRoute(path), expected));
  }

  const unknown = [
    '/',
    '/api/v2',
    '/apis/apps/v2',
    '/apis/example.com/v1',
    '/versions',
    '/openapi/v2',
    '/api/v1/namespaces/foo/services/web/log',
    '/apis/apps/v1/namespaces/foo/pods/web/log',
    '/openapi/v3/apis/apps/v9',
    '/api/v2/pods',
    '/apis/apps/v1/pods',
    '/api/v1/pods/web-1',
    '/api/v1/namespaces/foo/meshpolicies',
    '/api/v1/namespaces/foo/pods/web-1/status',
    '/apis/networking.istio.io/v9/destinationrules',
    '/apis/example.com/v1/widgets',
  ];
  for (const path of unknown) {
    it(`answers NotFound for ${path}`, () =>
      assert.throws(
        () => parseRoute(path),
        (err: unknown) => err instanceof ApiError && err.httpStatus === 404,
      ));
  }
});
