// Dialers: how to open one upstream connection with the TLS the snapshot chose for it.

import { connect as netConnect, isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { UpstreamTls } from '../../api/index.js';
import { spiffeIdOf, uriSans } from '../tls/spiffe-san.js';
import type { MeshTls } from '../tls/mesh-tls.js';
import type { UpstreamConnectionInfo } from './upstream-connection.js';
import type { UpstreamDialer } from './upstream-pool.js';

export const MESH_ALPN = 'istio';

function codeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export function plainDialer(host: string, port: number, keyPrefix = 'plain'): UpstreamDialer {
  const key = `${keyPrefix}|${host}:${port}`;
  return {
    key,
    dial() {
      const socket = netConnect({ host, port });
      const ready = new Promise<UpstreamConnectionInfo>((resolve, reject) => {
        socket.once('connect', () => resolve({ key, tlsMode: 'none', peerPrincipal: 'unknown' }));
        socket.once('error', reject);
        socket.once('close', () => reject(codeError('ECONNRESET', 'closed while connecting')));
      });
      return { socket, ready };
    },
  };
}

export function tlsKey(tls: UpstreamTls): string {
  return JSON.stringify(tls, (k, v: unknown) => (k === 'reason' ? undefined : v));
}

/** A decision under which something is sent (REFUSE endpoints get no dialer: see OutboundTable). */
export type SendingTls = Exclude<UpstreamTls, { mode: 'REFUSE' }>;

/** A dialer for one endpoint and its TLS decision. */
export function endpointDialer(
  host: string,
  port: number,
  tls: SendingTls,
  mesh: MeshTls,
  trustDomain: string,
): UpstreamDialer {
  if (tls.mode === 'DISABLE') return plainDialer(host, port);
  const key = `${host}:${port}|${tlsKey(tls)}`;
  return {
    key,
    dial() {
      let principal = 'unknown';
      const verify = (servername: string, cert: PeerCertificate): Error | undefined => {
        if (tls.mode === 'ISTIO_MUTUAL') {
          const id = spiffeIdOf(cert.subjectaltname, trustDomain);
          if (id === undefined)
            return codeError('AUTOMESH_ERR_PROXY_PEER_ID', 'server has no SPIFFE ID in the trust domain');
          if (tls.sans.length > 0 && !tls.sans.includes(id)) {
            return codeError('AUTOMESH_ERR_PROXY_PEER_ID', `server identity ${id} is not expected`);
          }
          principal = id;
          return undefined;
        }
        if (tls.sans.length > 0) {
          const names = (cert.subjectaltname ?? '')
            .split(', ')
            .map((s) => s.replace(/^(DNS|URI|IP Address):/, ''));
          return names.some((n) => tls.sans.includes(n))
            ? undefined
            : codeError(
                'AUTOMESH_ERR_PROXY_PEER_ID',
                'server certificate matches none of the expected names',
              );
        }
        principal = uriSans(cert.subjectaltname)[0] ?? 'unknown';
        return checkServerIdentity(servername, cert);
      };
      const secureContext =
        tls.mode === 'ISTIO_MUTUAL' ? mesh.meshClientContext() : mesh.fileClientContext(tls);
      if (secureContext === undefined)
        throw codeError('AUTOMESH_ERR_PROXY_NO_CERT', 'no workload certificate yet');
      const sni = tls.sni ?? (isIP(host) === 0 ? host : undefined);
      const socket = tlsConnect({
        host,
        port,
        secureContext,
        servername: sni,
        ALPNProtocols: tls.mode === 'ISTIO_MUTUAL' ? [MESH_ALPN] : undefined,
        rejectUnauthorized: tls.mode === 'ISTIO_MUTUAL' || tls.insecureSkipVerify !== true,
        checkServerIdentity: verify,
      });
      const ready = new Promise<UpstreamConnectionInfo>((resolve, reject) => {
        socket.once('secureConnect', () =>
          resolve({ key, tlsMode: tls.mode === 'SIMPLE' ? 'none' : 'mutual_tls', peerPrincipal: principal }),
        );
        socket.once('error', reject);
        socket.once('close', () => reject(codeError('ECONNRESET', 'closed during the TLS handshake')));
      });
      return { socket, ready };
    },
  };
}
