// The push logic, independent of the transport: keeps the connected proxies, rebuilds their
// snapshots (debounced) when the mesh changes, and hands each proxy a snapshot only when its
// version changed. Acks and nacks land in the ProxyStatusRegistry.

import type { ProxySnapshot } from '../../api/index.js';
import type { WorkloadIdentity } from '../../identity/index.js';
import type { Logger } from '../../log/index.js';
import type { MeshStateSource } from '../registry/index.js';
import { authorizeSnapshot } from './authorize-proxy.js';
import { PUSH_DEBOUNCE_MS, PUSH_MAX_DELAY_MS } from './constants.js';
import { ProxyStatusRegistry, type ProxyCertificate } from './proxy-status-registry.js';
import type { SnapshotWriter } from './proxy-stream.js';
import { ProxyStream } from './proxy-stream.js';
import { PushDebouncer, type Timers, realTimers } from './push-debouncer.js';
import type { PodRef, SnapshotProvider } from './snapshot-provider.js';
import { podKey } from './snapshot-provider.js';

export interface PushControllerOptions {
  source: MeshStateSource;
  provider: SnapshotProvider;
  logger: Logger;
  debounceMs?: number;
  maxDelayMs?: number;
  timers?: Timers;
}

export interface ProxyConnectionRequest {
  id: string;
  pod: string;
  namespace: string;
  identity: WorkloadIdentity;
  spiffeId: string;
  writer: SnapshotWriter;
  /** The proxy takes gzip-compressed snapshots. */
  acceptsGzip?: boolean;
  /** Ends the stream because the identity may not have this pod's snapshot. */
  deny(reason: string): void;
}

interface Connection extends ProxyConnectionRequest {
  stream: ProxyStream;
}

export class PushController {
  readonly status: ProxyStatusRegistry;
  private readonly source: MeshStateSource;
  private readonly provider: SnapshotProvider;
  private readonly logger: Logger;
  private readonly debouncer: PushDebouncer;
  private readonly connections = new Map<string, Connection>();
  private readonly unsubscribe: () => void;
  private readonly rebuildListeners = new Set<() => void>();
  private readonly timers: Timers;

  constructor(options: PushControllerOptions) {
    const timers = options.timers ?? realTimers;
    this.timers = timers;
    this.status = new ProxyStatusRegistry(() => timers.now());
    this.source = options.source;
    this.provider = options.provider;
    this.logger = options.logger;
    this.debouncer = new PushDebouncer({
      debounceMs: options.debounceMs ?? PUSH_DEBOUNCE_MS,
      maxDelayMs: options.maxDelayMs ?? PUSH_MAX_DELAY_MS,
      fire: () => this.rebuild(),
      timers,
    });
    this.unsubscribe = this.source.onChange(() => this.debouncer.trigger());
  }

  /** A proxy said Hello: register it and send its full snapshot at once. */
  connect(request: ProxyConnectionRequest): void {
    const stream = new ProxyStream(request.writer, (version) => this.status.sent(request.id, version), {
      gzip: request.acceptsGzip === true,
    });
    const connection: Connection = { ...request, stream };
    this.connections.set(request.id, connection);
    this.status.connected(request.id, request.pod, request.namespace, request.spiffeId);
    const pod: PodRef = { namespace: request.namespace, name: request.pod };
    const snapshot = this.provider.buildFor(this.source.state(), [pod]).get(podKey(pod.namespace, pod.name));
    this.deliver(connection, snapshot);
  }

  disconnect(id: string): void {
    const connection = this.connections.get(id);
    if (connection === undefined) return;
    connection.stream.close();
    this.connections.delete(id);
    this.status.disconnected(id);
  }

  ack(id: string, version: string): void {
    this.status.acked(id, version);
  }

  nack(id: string, version: string, error: string): void {
    const connection = this.connections.get(id);
    this.logger.warn('proxy refused a snapshot', {
      pod: connection?.pod,
      namespace: connection?.namespace,
      version,
      error,
    });
    this.status.nacked(id, version, error);
  }

  certificate(id: string, certificate: ProxyCertificate): void {
    this.status.certificate(id, certificate);
  }

  /** True while a change is waiting for its debounced rebuild. */
  pushPending(): boolean {
    return this.debouncer.pending();
  }

  /** Runs a pending rebuild now instead of at the end of its debounce. */
  flush(): void {
    this.debouncer.flush();
  }

  /** Called after every rebuild (debounced push). */
  onRebuild(listener: () => void): () => void {
    this.rebuildListeners.add(listener);
    return () => this.rebuildListeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    this.debouncer.cancel();
    for (const id of [...this.connections.keys()]) this.disconnect(id);
  }

  private rebuild(): void {
    const started = this.timers.now();
    const state = this.source.state();
    const pods = uniquePods([...this.connections.values()]);
    const snapshots = this.provider.buildFor(state, pods);
    let pushed = 0;
    for (const connection of [...this.connections.values()]) {
      if (this.deliver(connection, snapshots.get(podKey(connection.namespace, connection.pod)))) pushed++;
    }
    this.logger.debug('rebuilt snapshots', {
      revision: this.source.revision(),
      proxies: this.connections.size,
      pushed,
      ms: this.timers.now() - started,
    });
    for (const listener of this.rebuildListeners) listener();
  }

  /** Queues the snapshot if its version is new to this proxy; true when it did. */
  private deliver(connection: Connection, snapshot: ProxySnapshot | undefined): boolean {
    if (snapshot === undefined) {
      this.status.desired(connection.id, undefined);
      return false;
    }
    const authorization = authorizeSnapshot(connection.identity, snapshot);
    if (!authorization.ok) {
      this.logger.warn('proxy denied', {
        pod: connection.pod,
        namespace: connection.namespace,
        reason: authorization.reason,
      });
      this.disconnect(connection.id);
      connection.deny(authorization.reason);
      return false;
    }
    if (connection.stream.latestVersion() === snapshot.version) return false;
    this.status.desired(connection.id, snapshot.version);
    connection.stream.send(snapshot);
    return true;
  }
}

function uniquePods(connections: Connection[]): PodRef[] {
  const seen = new Map<string, PodRef>();
  for (const c of connections) seen.set(podKey(c.namespace, c.pod), { namespace: c.namespace, name: c.pod });
  return [...seen.values()];
}
