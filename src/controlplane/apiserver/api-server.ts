// The API server: Kubernetes-shaped REST over a ConfigStore, over HTTPS on loopback, admin bearer
// token on every request. Composition only: the listener, auth, the router and the one error mapper.
// HTTPS because kubectl sends no bearer token to an http:// server; its certificate comes from the
// mesh CA, which the admin kubeconfig names as `certificate-authority-data`.

import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError } from './api-error.js';
import type { ConfigStore } from '../../store/index.js';
import type { ListenerLimits } from '../listener-limits.js';
import { API_LISTENER_LIMITS, listenerLimits } from '../listener-limits.js';
import {
  requestAuthenticator,
  requireAdmin,
  type AdminTokenCheck,
  type NodeCredentialVerifier,
} from './request-auth.js';
import type { NodeJoin } from './node-join-handlers.js';
import type { PodTokenMinter } from './token-request-handler.js';
import { mapError } from './error-mapper.js';
import { sendJson } from './http-io.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './read-json-body.js';
import { routeRequest } from './request-router.js';
import { handlePodExec, type PodExecutor } from './pod-exec-handler.js';
import type { PodLogSource } from './pod-log-handler.js';
import { parseRoute } from './route.js';
import type { HandlerContext } from './resource-handlers.js';
import { defaultDecode, type DecodeFn } from './validate-write.js';
import {
  MIN_REQUEST_TIMEOUT_SECONDS,
  WATCH_BOOKMARK_INTERVAL_MS,
  randomWatchTimeout,
  type WatchRegistry,
} from './watch-stream.js';

/**
 * A handler mounted beside the resource paths, behind the same credential check (for example the
 * discovery module's /debug/proxy-status). Returns true when it took the request.
 */
export type ExtraHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The serving key and certificate chain (leaf first), e.g. from identity's issueServingCertificate. */
export interface ApiServerTls {
  privateKeyPem: string;
  certChainPem: readonly string[];
}

export interface ApiServerOptions {
  store: ConfigStore;
  /** The admin bearer token, or its SHA-256 digest. */
  adminToken: AdminTokenCheck;
  tls: ApiServerTls;
  /** Defaults to 127.0.0.1: the API is local unless deliberately exposed. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Decoding and validation of every written object; the api module's decodeObject by default. */
  decode?: DecodeFn;
  bodyLimitBytes?: number;
  /** Namespaces that always exist (created at start when missing), as in Kubernetes. */
  builtinNamespaces?: readonly string[];
  /** Tried in order after authentication, before the resource routes. */
  extraHandlers?: readonly ExtraHandler[];
  /** Called with errors the server could not map to a client mistake (5xx). Never gets tokens. */
  onInternalError?: (err: unknown) => void;
  /** Where pods' container output is, for `kubectl logs`; absent: 404. */
  podLogs?: PodLogSource;
  /** How commands run in pods' containers, for `kubectl exec`; absent: 404. */
  podExec?: PodExecutor;
  /** The clock for Table AGE cells; Date.now by default. */
  nowMs?: () => number;
  /** Node credentials the server accepts beside the admin token (held to their node). */
  nodeCredentials?: NodeCredentialVerifier;
  /** Cluster info, join tokens and node credentials for hosts that join; absent: 404. */
  nodeJoin?: NodeJoin;
  /** Pod tokens for TokenRequest (`serviceaccounts/{sa}/token`); absent: 404. */
  podTokens?: PodTokenMinter;
  /** Header, idle and connection limits of the listener. Default `API_LISTENER_LIMITS`. */
  limits?: Partial<ListenerLimits>;
  /** How often a watch that allows bookmarks gets one. Default `WATCH_BOOKMARK_INTERVAL_MS`. */
  bookmarkIntervalMs?: number;
  /**
   * kube-apiserver's `--min-request-timeout`: a watch that names no timeoutSeconds ends after a
   * random time between this and twice this, so long-lived watchers spread over replicas and
   * resume from their last resourceVersion. Default `MIN_REQUEST_TIMEOUT_SECONDS`.
   */
  minRequestTimeoutSeconds?: number;
}

export interface ApiServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Ends open watches and stops listening. Does not close the store. */
  close(): Promise<void>;
}

export const DEFAULT_BUILTIN_NAMESPACES: readonly string[] = ['default'];

function watchRegistry(): WatchRegistry & { stopAll(): void } {
  const active = new Set<() => void>();
  return {
    add(stop) {
      active.add(stop);
      return () => active.delete(stop);
    },
    stopAll() {
      for (const stop of [...active]) stop();
    },
  };
}

async function ensureNamespaces(store: ConfigStore, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if ((await store.get('Namespace', undefined, name)) === undefined) {
      await store.applyBatch([
        { op: 'apply', resource: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } },
      ]);
    }
  }
}

/** Longest a request may take to arrive in full (headers and body); responses (watches) are not bounded. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Node's HTTP timeouts from the listener's limits: headers within the handshake limit (a
 * connection that sends nothing counts too), keep-alive connections closed after the idle limit.
 * The timeouts are checked on an interval, at most a second apart so that short test limits hold.
 */
function httpServerOptions(limits: ListenerLimits): ServerOptions & { handshakeTimeout: number } {
  return {
    handshakeTimeout: limits.handshakeTimeoutMs,
    headersTimeout: limits.handshakeTimeoutMs,
    requestTimeout: Math.max(REQUEST_TIMEOUT_MS, limits.handshakeTimeoutMs),
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, limits.handshakeTimeoutMs),
  };
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const authenticate = requestAuthenticator(options.adminToken, options.nodeCredentials);
  const access = {
    ...(options.nodeJoin === undefined ? {} : { nodeJoin: options.nodeJoin }),
    ...(options.podTokens === undefined ? {} : { podTokens: options.podTokens }),
  };
  const ctx: HandlerContext = {
    store: options.store,
    decode: options.decode ?? defaultDecode,
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    nowMs: options.nowMs ?? Date.now,
    podLogs: options.podLogs,
    podExec: options.podExec,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? WATCH_BOOKMARK_INTERVAL_MS,
    defaultWatchTimeoutMs: randomWatchTimeout(
      options.minRequestTimeoutSeconds ?? MIN_REQUEST_TIMEOUT_SECONDS,
    ),
  };
  const onInternalError =
    options.onInternalError ?? ((err: unknown) => process.emitWarning(`api server: ${String(err)}`));
  const watches = watchRegistry();
  const extraHandlers = options.extraHandlers ?? [];
  await ensureNamespaces(options.store, options.builtinNamespaces ?? DEFAULT_BUILTIN_NAMESPACES);

  const fail = (res: ServerResponse, err: unknown): void => {
    const mapped = mapError(err);
    if (mapped.internal) onInternalError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // After a refused body (413, 401 before reading) the rest of the upload is not wanted.
    if (mapped.status.code === 413) res.setHeader('connection', 'close');
    sendJson(res, mapped.status.code, mapped.status);
  };
  const limits = listenerLimits(API_LISTENER_LIMITS, options.limits);
  const tlsOptions = { key: options.tls.privateKeyPem, cert: options.tls.certChainPem.join('') };
  const server: Server = createServer({ ...httpServerOptions(limits), ...tlsOptions }, (req, res) => {
    let principal;
    try {
      principal = authenticate(req);
      // The extra handlers (/debug/...) are the admin's; a node or nobody is refused there.
      if (principal.kind === 'admin' && extraHandlers.some((handle) => handle(req, res))) return;
      if (principal.kind !== 'admin' && (req.url ?? '').startsWith('/debug/'))
        requireAdmin(principal, 'read debug endpoints');
    } catch (err) {
      fail(res, err);
      return;
    }
    routeRequest(ctx, access, principal, watches, req, res).catch((err: unknown) => fail(res, err));
  });
  // WebSocket upgrades (kubectl exec) skip the request handler: the same credential check, and a
  // refusal answered as a plain HTTP response on the socket, from the same error mapper.
  const refuseUpgrade = (socket: Duplex, err: unknown): void => {
    const mapped = mapError(err);
    if (mapped.internal) onInternalError(err);
    const body = JSON.stringify(mapped.status);
    socket.end(
      `HTTP/1.1 ${mapped.status.code} ${mapped.status.reason}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    try {
      requireAdmin(authenticate(req), 'exec in pods');
      const url = new URL(req.url ?? '/', 'https://localhost');
      const target = parseRoute(url.pathname);
      if (target.type !== 'pod-exec')
        throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', 'only exec takes an upgrade');
      handlePodExec(ctx, target, url, req, socket, watches).catch((err: unknown) =>
        refuseUpgrade(socket, err),
      );
    } catch (err) {
      refuseUpgrade(socket, err);
    }
  });
  server.maxConnections = limits.maxConnections;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        watches.stopAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
