// `POST /api/v1/namespaces/{ns}/serviceaccounts/{sa}/token`, Kubernetes' TokenRequest: a pod token
// for the CA, bound to a Pod (`spec.boundObjectRef`) that exists with that UID and runs as that
// service account. A node may ask only for pods bound to it (kubelet's projected tokens); the
// admin for any pod. The lifetime is the control plane's pod token lifetime at most.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from '../../api/index.js';
import type { PodBinding } from '../../identity/index.js';
import type { ConfigStore } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { sendJson } from './http-io.js';
import { readJsonBody } from './read-json-body.js';
import type { Principal } from './request-auth.js';
import { requireCredential } from './request-auth.js';

export type PodTokenMinter = (
  binding: PodBinding,
  ttlSeconds: number | undefined,
) => { token: string; expiresAt: Date };

interface BoundObjectRef {
  kind?: unknown;
  name?: unknown;
  uid?: unknown;
}

function badRequest(message: string): ApiError {
  return new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', message);
}

export async function handleTokenRequest(
  store: ConfigStore,
  mint: PodTokenMinter | undefined,
  route: { namespace: string; name: string },
  principal: Principal,
  bodyLimitBytes: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  requireCredential(principal);
  if (mint === undefined) throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', 'this server mints no pod tokens');
  if (req.method !== 'POST') throw new ApiError('AUTOMESH_ERR_API_METHOD', 'token takes POST');
  const body = (await readJsonBody(req, bodyLimitBytes)) as {
    spec?: { boundObjectRef?: BoundObjectRef; expirationSeconds?: unknown };
  };
  const ref = body?.spec?.boundObjectRef;
  if (ref?.kind !== 'Pod' || typeof ref.name !== 'string')
    throw badRequest('spec.boundObjectRef must name a Pod: a pod token is bound to its pod');
  const expiration = body.spec?.expirationSeconds;
  if (expiration !== undefined && (typeof expiration !== 'number' || expiration < 60))
    throw badRequest('spec.expirationSeconds must be a number of at least 60');
  const pod = (await store.get('Pod', route.namespace, ref.name)) as Pod | undefined;
  const where = `pod ${route.namespace}/${ref.name}`;
  if (pod === undefined || (typeof ref.uid === 'string' && ref.uid !== pod.metadata.uid))
    throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', `${where} not found (or it has another UID now)`);
  const account = pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default';
  if (account !== route.name)
    throw badRequest(`${where} runs as service account "${account}", not "${route.name}"`);
  if (principal.kind === 'node' && pod.spec.nodeName !== principal.nodeName)
    throw new ApiError(
      'AUTOMESH_ERR_API_FORBIDDEN',
      `node "${principal.nodeName}" cannot request a token for ${where}: it is not bound to this node`,
    );
  const issued = mint(
    {
      namespace: route.namespace,
      serviceAccount: account,
      pod: pod.metadata.name,
      podUid: pod.metadata.uid ?? '',
    },
    expiration,
  );
  sendJson(res, 201, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name: route.name, namespace: route.namespace },
    spec: {
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid },
    },
    status: { token: issued.token, expirationTimestamp: issued.expiresAt.toISOString() },
  });
}
