// Composition root of the sidecar: wires certificates, listeners, pools and the admin port.

import type { Server } from 'node:http';
import type { ProxySnapshot } from '../api/index.js';
import { startAdminServer } from './admin/admin-server.js';
import { ProxyMetrics } from './admin/proxy-metrics.js';
import { resolveProxyConfig } from './config/proxy-options.js';
import type { ProxyConfig, ProxyOptions } from './config/proxy-options.js';
import { OutboundListener } from './outbound/outbound-listener.js';
import { Sidecar } from './sidecar.js';
import type { ApplyResult, SnapshotSink } from './sources.js';
import { MeshTls } from './tls/mesh-tls.js';

export interface ProxyHandle extends SnapshotSink {
  /** Validates and applies a snapshot; a bad one is refused and the last good one stays in force. */
  apply(snapshot: ProxySnapshot): ApplyResult;
  /** apply(), then waits until new inbound listeners are bound (bind failures are reported). */
  applyAndWait(snapshot: ProxySnapshot): Promise<ApplyResult>;
  /** The snapshot in force. */
  snapshot(): ProxySnapshot | undefined;
  readonly config: ProxyConfig;
  readonly adminPort: number;
  readonly outboundPort: number;
  readonly metrics: ProxyMetrics;
  inboundPorts(): number[];
  /** Open connections: downstream per direction, and upstream (pooled or in use). */
  connectionCounts(): { inbound: number; outbound: number; upstream: number };
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const config = resolveProxyConfig(options);
  const metrics = new ProxyMetrics();
  const mesh = new MeshTls(options.certificates);
  const sidecar = new Sidecar(config, mesh, metrics);
  if (options.snapshot !== undefined) {
    const result = await sidecar.applyAndWait(options.snapshot);
    if (!result.ok) {
      await sidecar.close();
      throw Object.assign(new Error(result.error), { code: 'AUTOMESH_ERR_PROXY_SNAPSHOT' });
    }
  }
  const outbound = new OutboundListener({
    host: config.outbound.host,
    port: config.outbound.port,
    pool: sidecar.meshPool,
    metrics,
    session: sidecar.sessionConfig,
    maxConnections: config.limits.maxConnections,
    unknownHosts: config.unknownHosts,
    table: () => sidecar.table,
    ownId: () => sidecar.ownId(),
    destinations: sidecar.destinations,
  });
  let admin: Server | undefined;
  try {
    await outbound.listen();
    admin = await startAdminServer(
      {
        snapshot: () => sidecar.snapshot,
        certificate: () => mesh.current,
        renewalTrouble: () => options.certificates.renewalTrouble?.(),
        metrics,
        peers: sidecar.peers,
        ...(options.controlPlane === undefined ? {} : { controlPlane: options.controlPlane }),
        destinations: sidecar.destinations,
      },
      config.admin.host,
      config.admin.port,
    );
  } catch (err) {
    await Promise.all([outbound.close(), sidecar.close()]);
    throw err;
  }
  const adminServer = admin;
  const address = adminServer.address();
  return {
    config,
    metrics,
    adminPort: typeof address === 'object' && address !== null ? address.port : config.admin.port,
    outboundPort: outbound.port,
    apply: (s) => sidecar.apply(s),
    applyAndWait: (s) => sidecar.applyAndWait(s),
    snapshot: () => sidecar.snapshot,
    inboundPorts: () => sidecar.inboundPorts(),
    connectionCounts: () => ({ ...sidecar.connectionCounts(), outbound: outbound.connectionCount }),
    close: async () => {
      adminServer.closeAllConnections();
      await Promise.all([
        outbound.close(),
        sidecar.close(),
        new Promise<void>((resolve) => adminServer.close(() => resolve())),
      ]);
      mesh.close();
    },
  };
}
