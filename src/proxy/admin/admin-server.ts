// The sidecar's admin port: /config_dump, /certs, /ready, /stats/prometheus, /peers, /destinations,
// /control_plane. Off the data path,
// so node:http is fine here. Never serves the private key.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ProxySnapshot } from '../../api/index.js';
import type { RenewalTrouble, WorkloadCertificate } from '../sources.js';
import type { PeerObservations } from '../inbound/peer-observations.js';
import type { DestinationObservations } from '../outbound/destination-observations.js';
import type { ProxyMetrics } from './proxy-metrics.js';

export interface AdminState {
  snapshot(): ProxySnapshot | undefined;
  certificate(): WorkloadCertificate | undefined;
  /** While renewals of the certificate fail. */
  renewalTrouble(): RenewalTrouble | undefined;
  metrics: ProxyMetrics;
  peers: PeerObservations;
  /** Which control-plane replica the sidecar streams from and which CA issued its certificate. */
  controlPlane?: () => Record<string, unknown>;
  destinations: DestinationObservations;
}

export function certificateView(
  cert: WorkloadCertificate,
  trouble?: RenewalTrouble,
): Record<string, unknown> {
  return {
    identity: cert.spiffeId,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    ...(trouble === undefined
      ? {}
      : {
          renewal: {
            failingSince: trouble.since.toISOString(),
            failures: trouble.failures,
            lastError: trouble.error,
          },
        }),
    certChainPem: cert.certChainPem,
    trustBundlePem: cert.trustBundlePem,
  };
}

/**
 * When the workload certificate runs out, so that an alert can fire before it does (for example
 * while the CA is unreachable and renewals keep failing).
 */
function certificateMetrics(
  cert: WorkloadCertificate | undefined,
  trouble: RenewalTrouble | undefined,
): string {
  if (cert === undefined) return '';
  const expiry = 'automesh_certificate_expiration_timestamp_seconds';
  const failures = 'automesh_certificate_renewal_failures';
  return [
    `# HELP ${expiry} When the workload certificate (SVID) in use expires, in seconds since the epoch.`,
    `# TYPE ${expiry} gauge`,
    `${expiry}{spiffe_id="${cert.spiffeId}"} ${Math.floor(cert.notAfter.getTime() / 1000)}`,
    `# HELP ${failures} Renewals of the workload certificate that failed in a row (0 once one succeeds).`,
    `# TYPE ${failures} gauge`,
    `${failures}{spiffe_id="${cert.spiffeId}"} ${trouble?.failures ?? 0}`,
    '',
  ].join('\n');
}

/** Each inbound port with its mode now and the peers seen on it in the observation window. */
function peersView(state: AdminState): Record<string, unknown> {
  const listeners = new Map((state.snapshot()?.inbound ?? []).map((l) => [l.port, l]));
  return {
    windowSeconds: state.peers.windowMs / 1000,
    ports: state.peers.view().map(({ port, observedSince, peers }) => ({
      port,
      mode: listeners.get(port)?.mode ?? 'unknown',
      ...(listeners.get(port)?.shadow === undefined ? {} : { shadow: listeners.get(port)!.shadow }),
      observedSince: new Date(observedSince).toISOString(),
      peers: peers.map((p) => ({
        ...p,
        firstSeen: new Date(p.firstSeen).toISOString(),
        lastSeen: new Date(p.lastSeen).toISOString(),
      })),
    })),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(state: AdminState, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const json = (status: number, value: unknown): void =>
    send(res, status, 'application/json', `${JSON.stringify(value, null, 2)}\n`);
  switch (path) {
    case '/config_dump': {
      const snapshot = state.snapshot();
      json(
        snapshot === undefined ? 503 : 200,
        snapshot === undefined ? { error: 'no snapshot yet' } : { version: snapshot.version, snapshot },
      );
      return;
    }
    case '/certs': {
      const cert = state.certificate();
      json(
        cert === undefined ? 503 : 200,
        cert === undefined ? { error: 'no certificate yet' } : certificateView(cert, state.renewalTrouble()),
      );
      return;
    }
    case '/ready': {
      const missing = [
        state.snapshot() === undefined ? 'snapshot' : '',
        state.certificate() === undefined ? 'certificate' : '',
      ].filter(Boolean);
      send(
        res,
        missing.length === 0 ? 200 : 503,
        'text/plain',
        missing.length === 0 ? 'ready\n' : `not ready: no ${missing.join(', no ')}\n`,
      );
      return;
    }
    case '/stats/prometheus':
      send(
        res,
        200,
        'text/plain; version=0.0.4',
        state.metrics.render() + certificateMetrics(state.certificate(), state.renewalTrouble()),
      );
      return;
    case '/peers':
      json(200, peersView(state));
      return;
    case '/destinations':
      json(200, {
        windowSeconds: state.destinations.windowMs / 1000,
        destinations: state.destinations.view().map((d) => ({
          ...d,
          firstSeen: new Date(d.firstSeen).toISOString(),
          lastSeen: new Date(d.lastSeen).toISOString(),
        })),
      });
      return;
    case '/control_plane':
      json(
        state.controlPlane === undefined ? 404 : 200,
        state.controlPlane?.() ?? { error: 'standalone: no control plane' },
      );
      return;
    default:
      send(
        res,
        404,
        'text/plain',
        'endpoints: /config_dump /certs /ready /stats/prometheus /peers /destinations /control_plane\n',
      );
  }
}

export function startAdminServer(state: AdminState, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => handle(state, req, res));
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}
