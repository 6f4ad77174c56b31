// The CertificateService gRPC server: TLS with the control plane's own certificate from the mesh
// root, client certificate requested but optional (first call: pod token; renewals: current SVID),
// on a listener that bounds handshakes, idle connections and their number (`ListenerLimits`).

import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { CaSigner, Clock, PodTokenVerifier } from '../../identity/index.js';
import type { Logger } from '../../log/index.js';
import { createLogger } from '../../log/index.js';
import type { CreateCertificateRequest, CreateCertificateResponse } from '../../wire/index.js';
import { certificateServiceClient } from '../grpc-services.js';
import { controlPlaneSpiffeId, issueServingCertificate, systemClock } from '../../identity/index.js';
import type { IsPodCurrent } from './authenticate-caller.js';
import { authenticateCaller } from './authenticate-caller.js';
import { CertificateAuthority } from './certificate-authority.js';
import { loadCaSigner } from './load-ca-signer.js';
import { grpcServerOptions, listenGrpcOverTls } from '../grpc-tls-listener.js';
import type { ListenerLimits } from '../listener-limits.js';
import { CA_LISTENER_LIMITS, listenerLimits } from '../listener-limits.js';

/** How long close() lets calls in flight finish before it cuts them. */
const CLOSE_GRACE_MS = 2000;

export interface CaServerOptions {
  stateDir: string;
  trustDomain: string;
  tokenVerifier: PodTokenVerifier;
  isPodCurrent?: IsPodCurrent;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Istio `cacerts` directory to sign with instead of the self-signed root. */
  pluggedInCaDir?: string;
  /** An already-loaded signer (the control plane shares it with the discovery server). */
  signer?: CaSigner;
  /** The mesh's configured SVID lifetime: the default and, unless `maxTtlSeconds` says, the cap. */
  defaultTtlSeconds?: number;
  maxTtlSeconds?: number;
  /** Extra names in the server certificate besides `localhost` / the host. */
  servingDnsNames?: string[];
  /** Handshake, idle and connection limits of the listener. Default `CA_LISTENER_LIMITS`. */
  limits?: Partial<ListenerLimits>;
  clock?: Clock;
  logger?: Logger;
}

export interface CaServer {
  /** `host:port` to dial. */
  address: string;
  port: number;
  /** The first root of the trust bundle (the self-signed root, or the plugged-in root). */
  rootCertPem: string;
  trustBundlePem: string[];
  signer: CaSigner;
  authority: CertificateAuthority;
  /** Connections open on the listener now. */
  connections(): Promise<number>;
  close(): Promise<void>;
}

const STATUS = {
  unauthenticated: grpc.status.UNAUTHENTICATED,
  'permission-denied': grpc.status.PERMISSION_DENIED,
} as const;

type Callback = grpc.sendUnaryData<CreateCertificateResponse>;
type Call = grpc.ServerUnaryCall<CreateCertificateRequest, CreateCertificateResponse>;

function peerCertDer(call: Call): Buffer | undefined {
  return call.getAuthContext().sslPeerCertificate?.raw;
}

function createHandler(
  authority: CertificateAuthority,
  deps: Omit<Parameters<typeof authenticateCaller>[1], 'signer'>,
  log: Logger,
) {
  const refuse = (cb: Callback, code: grpc.status, reason: string, peer: string): void => {
    log.warn('certificate request refused', { peer, code: grpc.status[code], reason });
    cb({ code, details: reason });
  };
  return async (call: Call, cb: Callback): Promise<void> => {
    const peer = call.getPeer();
    const certDer = peerCertDer(call);
    const caller = await authenticateCaller(
      {
        ...(certDer ? { peerCertDer: certDer } : {}),
        authorization: call.metadata.get('authorization').map(String),
      },
      { ...deps, signer: authority.signer },
    );
    if (!caller.ok) return refuse(cb, STATUS[caller.status], caller.reason, peer);
    const csr = typeof call.request.csr === 'string' ? call.request.csr : '';
    const ttl = Number(call.request.ttl_seconds ?? 0);
    if (!Number.isFinite(ttl) || ttl < 0)
      return refuse(cb, grpc.status.INVALID_ARGUMENT, 'ttl_seconds must be >= 0', peer);
    const result = await authority.issue({
      csrPem: csr,
      identity: { namespace: caller.namespace, serviceAccount: caller.serviceAccount },
      ...(caller.podBinding === undefined ? {} : { podBinding: caller.podBinding }),
      ttlSeconds: ttl,
    });
    if (!result.ok) return refuse(cb, grpc.status.INVALID_ARGUMENT, result.reason, peer);
    log.info('certificate issued', {
      peer,
      spiffeId: result.spiffeId,
      via: caller.via,
      pod: caller.podBinding?.pod,
      serial: result.serialNumber,
      notAfter: result.notAfter.toISOString(),
    });
    cb(null, { cert_chain: result.certChainPem, trust_bundle: result.trustBundlePem });
  };
}

/** Starts the CA server; resolves once it listens. Loads (or creates) the signer unless given one. */
export async function startCaServer(options: CaServerOptions): Promise<CaServer> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger({ component: 'ca' });
  const signer = options.signer ?? (await loadCaSigner({ ...options, clock }));
  const authority = new CertificateAuthority(signer, { ...options, clock });
  const host = options.host ?? '127.0.0.1';
  const isIp = isIP(host) !== 0;
  const unique = (xs: string[]): string[] => [...new Set(xs)];
  const serving = await issueServingCertificate(signer, {
    spiffeId: controlPlaneSpiffeId(options.trustDomain),
    dnsNames: unique(['localhost', ...(isIp ? [] : [host]), ...(options.servingDnsNames ?? [])]),
    ipAddresses: unique(['127.0.0.1', ...(isIp ? [host] : [])]),
    nowMs: clock.now(),
  });
  const limits = listenerLimits(CA_LISTENER_LIMITS, options.limits);
  const server = new grpc.Server(grpcServerOptions(limits));
  const handler = createHandler(
    authority,
    { tokenVerifier: options.tokenVerifier, isPodCurrent: options.isPodCurrent, clock },
    log,
  );
  server.addService(certificateServiceClient().service, {
    CreateCertificate: (call: Call, cb: Callback) => {
      handler(call, cb).catch((err: unknown) => {
        log.error('certificate request failed', {
          peer: call.getPeer(),
          error: (err as Error).message,
          code: (err as { code?: string }).code,
        });
        cb({ code: grpc.status.INTERNAL, details: 'internal error while issuing the certificate' });
      });
    },
  });
  const listener = await listenGrpcOverTls(server, {
    host,
    port: options.port ?? 0,
    privateKeyPem: serving.privateKeyPem,
    certChainPem: serving.certChainPem,
    trustBundlePem: serving.trustBundlePem,
    requireClientCertificate: false,
    limits,
  });
  const port = listener.port;
  log.info('CA server listening', { address: `${host}:${port}`, trustDomain: options.trustDomain });
  return {
    address: `${host}:${port}`,
    port,
    rootCertPem: signer.rootsPem[0] ?? signer.certPem,
    trustBundlePem: signer.rootsPem,
    signer,
    authority,
    connections: () => listener.connections(),
    close: async () => {
      await new Promise<void>((resolve) => {
        // Calls in flight may finish, but a client holding its connection open must not keep the
        // CA (and whoever waits for it: `automesh down`, a restart) from stopping.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, CLOSE_GRACE_MS);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await listener.close();
    },
  };
}
