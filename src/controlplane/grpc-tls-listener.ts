// A gRPC server behind a TLS listener of our own. grpc-js binds its own listener with no way to
// bound the TLS handshake (Node's default is 120 s) or the number of connections; here a
// `tls.Server` does the handshake under `ListenerLimits` and hands each secured socket to grpc-js
// through its connection injector, where `grpc.max_connection_idle_ms` closes connections left
// with no call in flight. grpc-js reads the peer certificate from the injected TLS socket, so
// `call.getAuthContext()` works as it does with grpc-js' own TLS.

import { createServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { ListenerLimits } from './listener-limits.js';

export interface GrpcTlsListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  privateKeyPem: string;
  certChainPem: string[];
  /** Roots client certificates are verified against. */
  trustBundlePem: string[];
  /** True: a client without a valid certificate is refused in the handshake. False: it may come in unverified. */
  requireClientCertificate: boolean;
  limits: ListenerLimits;
}

export interface GrpcTlsListener {
  port: number;
  /** Connections open now (for tests and metrics). */
  connections(): Promise<number>;
  /**
   * Stops accepting and destroys what is left open. Call it after the gRPC server's own shutdown,
   * which lets calls in flight finish; what remains then are connections still in the handshake.
   */
  close(): Promise<void>;
}

/** The grpc-js server options that go with a listener's limits. */
export function grpcServerOptions(limits: ListenerLimits): grpc.ServerOptions {
  return { 'grpc.max_connection_idle_ms': limits.idleTimeoutMs };
}

export async function listenGrpcOverTls(
  server: grpc.Server,
  options: GrpcTlsListenerOptions,
): Promise<GrpcTlsListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const listener: TlsServer = createServer({
    key: options.privateKeyPem,
    cert: options.certChainPem.join(''),
    ca: options.trustBundlePem.join(''),
    requestCert: true,
    rejectUnauthorized: options.requireClientCertificate,
    ALPNProtocols: ['h2'],
    handshakeTimeout: options.limits.handshakeTimeoutMs,
  });
  listener.maxConnections = options.limits.maxConnections;
  const sockets = new Set<Socket>();
  listener.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  listener.on('secureConnection', (socket: TLSSocket) => injector.injectConnection(socket));
  // Failed and timed-out handshakes: the socket is already being destroyed; nothing to report.
  listener.on('tlsClientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return {
    port: (listener.address() as AddressInfo).port,
    connections: () =>
      new Promise((resolve, reject) =>
        listener.getConnections((err, count) => (err ? reject(err) : resolve(count))),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        injector.destroy();
        listener.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
