// The Discovery gRPC server: TLS with a required client SVID, one bidirectional stream per
// sidecar. This file is transport only: it authenticates, parses the proxy's messages and hands
// them to the PushController, which owns the push logic.

import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../log/index.js';
import { silentLogger } from '../../log/index.js';
import type { IsPodCurrent } from '../ca/index.js';
import { grpcServerOptions, listenGrpcOverTls } from '../grpc-tls-listener.js';
import type { ListenerLimits } from '../listener-limits.js';
import { DISCOVERY_LISTENER_LIMITS, listenerLimits } from '../listener-limits.js';
import type { MeshStateSource } from '../registry/index.js';
import { authorizeHello } from './authorize-proxy.js';
import type { ProxyMessage, SnapshotMessage } from '../../wire/index.js';
import { proxyCertificate } from './proxy-certificate.js';
import { discoveryService } from '../grpc-services.js';
import type { DiscoveryPeer } from './peer-svid.js';
import { peerSvid } from './peer-svid.js';
import type { StreamOwner } from './pod-liveness.js';
import { PodLiveness } from './pod-liveness.js';
import { PushController } from './push-controller.js';
import type { ProxyStatus, PushCounters } from './proxy-status-registry.js';
import type { Timers } from './push-debouncer.js';
import type { SnapshotProvider } from './snapshot-provider.js';
import { policySnapshotProvider } from './snapshot-provider.js';
import type { ConvergenceOptions, ConvergenceResult } from './wait-for-convergence.js';
import { waitForConvergence } from './wait-for-convergence.js';

export interface DiscoveryServerOptions {
  source: MeshStateSource;
  /** Default: the policy engine. */
  provider?: SnapshotProvider;
  /** The control plane's serving certificate and the mesh roots client SVIDs must chain to. */
  tls: { certChainPem: string[]; privateKeyPem: string; trustBundlePem: string[] };
  trustDomain: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  logger?: Logger;
  debounceMs?: number;
  maxDelayMs?: number;
  timers?: Timers;
  /** A stream that has not said Hello by then is closed. Default 10 s. */
  helloTimeoutMs?: number;
  /**
   * Holds streams to live pods: a stream's SVID must name its pod, which must exist when it says
   * Hello, and the stream is closed once the pod (or its namespace) is deleted. Absent: SVIDs
   * without a pod are accepted and nothing is re-checked (tests, tools).
   */
  isPodCurrent?: IsPodCurrent;
  /** Handshake, idle and connection limits of the listener. Default `DISCOVERY_LISTENER_LIMITS`. */
  limits?: Partial<ListenerLimits>;
}

export interface DiscoveryServer {
  /** host:port to dial. */
  readonly address: string;
  readonly port: number;
  /** Every connected proxy and how far it has got. */
  proxyStatus(): ProxyStatus[];
  counters(): PushCounters;
  waitForConvergence(options: ConvergenceOptions): Promise<ConvergenceResult>;
  /** Connections open on the listener now. */
  connections(): Promise<number>;
  /** Ends every stream (clients see UNAVAILABLE and reconnect elsewhere or later) and stops listening. */
  close(): Promise<void>;
}

const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** Server-side keepalive: finds sidecars that vanished without closing their connection. */
const KEEPALIVE_TIME_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

type Call = grpc.ServerDuplexStream<ProxyMessage, SnapshotMessage>;

export async function startDiscoveryServer(options: DiscoveryServerOptions): Promise<DiscoveryServer> {
  const logger = options.logger ?? silentLogger;
  const controller = new PushController({
    source: options.source,
    provider: options.provider ?? policySnapshotProvider(),
    logger,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.maxDelayMs === undefined ? {} : { maxDelayMs: options.maxDelayMs }),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  });
  const limits = listenerLimits(DISCOVERY_LISTENER_LIMITS, options.limits);
  const server = new grpc.Server({
    ...grpcServerOptions(limits),
    'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
  });
  const liveness =
    options.isPodCurrent === undefined ? undefined : new PodLiveness(options.isPodCurrent, logger);
  if (liveness !== undefined) controller.onRebuild(() => liveness.recheck());
  const context: StreamContext = { controller, options, logger, liveness };
  let nextId = 0;
  server.addService(preEncodedService(), {
    StreamSnapshots: (call: Call) => handleStream(call, `${++nextId}`, context),
  });
  const host = options.host ?? '127.0.0.1';
  const listener = await listenGrpcOverTls(server, {
    host,
    port: options.port ?? 0,
    privateKeyPem: options.tls.privateKeyPem,
    certChainPem: options.tls.certChainPem,
    trustBundlePem: options.tls.trustBundlePem,
    requireClientCertificate: true,
    limits,
  });
  const port = listener.port;
  logger.info('discovery server listening', { address: `${host}:${port}` });
  return {
    address: `${host}:${port}`,
    port,
    proxyStatus: () => controller.status.list(),
    counters: () => controller.status.counters(),
    waitForConvergence: (wait) => waitForConvergence(options.source, controller, wait),
    connections: () => listener.connections(),
    close: async () => {
      controller.close();
      server.forceShutdown();
      await listener.close();
    },
  };
}

/** The Discovery service with snapshots written as bytes the push path has already encoded. */
function preEncodedService(): grpc.ServiceDefinition {
  const service = discoveryService().service;
  const method = service['StreamSnapshots'];
  if (method === undefined) throw new Error('proto/discovery.proto has no StreamSnapshots');
  const serialize = method.responseSerialize;
  return {
    ...service,
    StreamSnapshots: {
      ...method,
      responseSerialize: (value: unknown) => (Buffer.isBuffer(value) ? value : serialize(value)),
    },
  };
}

interface StreamContext {
  controller: PushController;
  options: DiscoveryServerOptions;
  logger: Logger;
  liveness: PodLiveness | undefined;
}

type VerifiedPeer = Extract<DiscoveryPeer, { ok: true }>;
type Hello = NonNullable<ProxyMessage['hello']>;

function handleStream(call: Call, id: string, context: StreamContext): void {
  const { controller, options, logger, liveness } = context;
  let ended = false;
  const cleanup = (): void => {
    ended = true;
    clearTimeout(helloTimer);
    controller.disconnect(id);
    liveness?.forget(id);
  };
  const fail = (code: grpc.status, details: string): void => {
    if (ended) return;
    cleanup();
    call.emit('error', { code, details });
  };
  const helloTimer = setTimeout(
    () => fail(grpc.status.DEADLINE_EXCEEDED, 'no hello'),
    options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
  );
  const peer = peerSvid(call, options.tls.trustBundlePem, options.trustDomain);
  if (!peer.ok) {
    logger.warn('discovery stream refused', { peer: call.getPeer(), reason: peer.reason });
    fail(grpc.status.UNAUTHENTICATED, peer.reason);
    return;
  }
  const deny = (reason: string): void => {
    logger.warn('discovery stream denied', { spiffeId: peer.spiffeId, reason });
    fail(grpc.status.PERMISSION_DENIED, reason);
  };
  const connect = (hello: Hello, owner?: StreamOwner): void => {
    if (ended) return;
    if (owner !== undefined) liveness?.watch(id, owner, deny);
    controller.connect({
      id,
      pod: hello.pod,
      namespace: hello.namespace,
      identity: peer.identity,
      spiffeId: peer.spiffeId,
      acceptsGzip: hello.accepts_gzip === true,
      writer: { write: (m, done) => void call.write(m.payload as unknown as SnapshotMessage, done) },
      deny: (reason) => fail(grpc.status.PERMISSION_DENIED, reason),
    });
  };
  let helloSeen = false;
  call.on('data', (message: ProxyMessage) => {
    if (ended) return;
    if (message.kind === 'hello' && message.hello !== undefined) {
      if (helloSeen) return fail(grpc.status.INVALID_ARGUMENT, 'hello sent twice on one stream');
      helloSeen = true;
      clearTimeout(helloTimer);
      const hello = message.hello;
      const verdict = authorizeHello(peer.identity, hello, options.trustDomain, {
        podBinding: peer.podBinding,
        requireBinding: liveness !== undefined,
      });
      if (!verdict.ok) return deny(verdict.reason);
      if (liveness === undefined || peer.podBinding === undefined) return connect(hello);
      admitLive(liveness, peer, peer.podBinding, { connect: (owner) => connect(hello, owner), deny, fail });
    } else if (!helloSeen) {
      fail(grpc.status.FAILED_PRECONDITION, 'the first message must be a hello');
    } else if (message.kind === 'ack' && message.ack !== undefined) {
      controller.ack(id, message.ack.version);
    } else if (message.kind === 'nack' && message.nack !== undefined) {
      controller.nack(id, message.nack.version, message.nack.error);
    } else if (message.kind === 'certificate' && message.certificate !== undefined) {
      const certificate = proxyCertificate(message.certificate);
      if (certificate === undefined)
        logger.warn('unreadable certificate status', { spiffeId: peer.spiffeId });
      else controller.certificate(id, certificate);
    }
  });
  call.on('end', () => {
    cleanup();
    call.end();
  });
  call.on('cancelled', cleanup);
  call.on('error', cleanup);
  call.on('close', cleanup);
}

/** Connects the stream if its pod is there, and follows it so that it is closed when the pod goes. */
function admitLive(
  liveness: PodLiveness,
  peer: VerifiedPeer,
  binding: { pod: string; podUid: string },
  outcome: {
    connect(owner: StreamOwner): void;
    deny(reason: string): void;
    fail(code: grpc.status, details: string): void;
  },
): void {
  const owner = {
    namespace: peer.identity.namespace,
    serviceAccount: peer.identity.serviceAccount,
    ...binding,
  };
  liveness.admits(owner).then(
    (live) => {
      if (!live)
        return outcome.deny(`pod ${owner.namespace}/${owner.pod} (uid ${owner.podUid}) is gone or replaced`);
      outcome.connect(owner);
    },
    (err: unknown) =>
      outcome.fail(grpc.status.INTERNAL, `cannot check pod ${owner.pod}: ${(err as Error).message}`),
  );
}
