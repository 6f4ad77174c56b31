// Starts a real API server on 127.0.0.1 over a fresh store, with a client, for the tests.
import {
  ApiClient,
  startApiServer,
  type ApiServer,
  type ApiServerOptions,
} from '../../src/controlplane/index.js';
import type { Namespace, PeerAuthentication, Service } from '../../src/api/index.js';
import { MemoryConfigStore, type ConfigStore } from '../../src/store/index.js';
import { httpRequest } from '../../src/controlplane/client/http-request.js';
import { apiTestTls } from '../support/api-tls.js';

export const TOKEN = 'test-admin-token-0123456789abcdef';

/** What the tests read from a raw JSON answer (a Status, an object or a list). */
export interface RawBody {
  kind?: string;
  apiVersion?: string;
  status?: string;
  reason?: string;
  code?: number;
  message: string;
  metadata: { name?: string; namespace?: string };
  spec: { peers: { mtls: { mode: string } }[] };
  details: { causes: { field: string; message: string }[] };
}

export interface Harness {
  server: ApiServer;
  /** The root the server's certificate chains to. */
  caPem: string;
  store: ConfigStore;
  client: ApiClient;
  /** Raw request with the admin token unless `token` says otherwise. */
  raw(
    method: string,
    path: string,
    body?: string,
    token?: string | null,
  ): Promise<{ status: number; json: RawBody }>;
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<ApiServerOptions> & { eventHistory?: number } = {},
): Promise<Harness> {
  const { eventHistory, ...rest } = options;
  const store = new MemoryConfigStore(eventHistory === undefined ? {} : { eventHistory });
  const { tls, caPem } = await apiTestTls();
  const server = await startApiServer({ store, adminToken: TOKEN, tls, ...rest });
  const client = new ApiClient({ server: server.url, token: TOKEN, certificateAuthorityPem: caPem });
  return {
    server,
    caPem,
    store,
    client,
    async raw(method, path, body, token = TOKEN) {
      const response = await httpRequest(server.url + path, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ca: caPem,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as RawBody };
    },
    async close() {
      await server.close();
      await store.close();
    },
  };
}

export const namespace = (name: string): Namespace => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});

export function service(ns: string, name: string, port = 80, labels?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    spec: { selector: { app: name }, ports: [{ name: 'http', port }] },
  };
}

/** `mode` may be invalid on purpose. */
export function peerAuthentication(ns: string, name: string, mode: string): PeerAuthentication {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns },
    spec: { mtls: { mode } },
  } as unknown as PeerAuthentication;
}
