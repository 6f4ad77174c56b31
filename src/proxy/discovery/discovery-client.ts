// The sidecar's end of configuration push: one stream to the control plane, authenticated with
// the pod's current SVID. Each snapshot goes through the sink and is acked or nacked. When the
// stream is lost the sink keeps serving the last good snapshot while the client reconnects with
// back-off and jitter, says which version it has, and resyncs. It also tells the control plane
// how its certificate stands (after the hello, on renewal, on each failed renewal), for proxy-status.
// Given several control-plane replicas, it talks to one at a time and moves to the next one in the
// list each time a stream is lost or cannot be opened, so a dead replica costs one reconnect.

import type { PeerCertificate } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import type { Clock } from '../../identity/workload-credentials.js';
import {
  controlPlaneSpiffeId,
  parseSpiffeId,
  systemClock,
  uriSans,
} from '../../identity/workload-credentials.js';
import type { Logger } from '../../log/index.js';
import { silentLogger } from '../../log/index.js';
import type { CertificateSource, SnapshotSink, Unsubscribe, WorkloadCertificate } from '../sources.js';
import type { BackoffOptions } from './backoff.js';
import { backoffDelayMs } from './backoff.js';
import type { CertificateStatusMessage, ProxyMessage, SnapshotMessage } from '../../wire/index.js';
import { GrpcChannel, STREAM_SNAPSHOTS, clientMethod, grpcStatusName } from '../../wire/index.js';
import type { GrpcChannelOptions, GrpcError, GrpcStream } from '../../wire/index.js';
import { parseSnapshot } from './parse-snapshot.js';
import { splitAddresses } from '../control-plane-addresses.js';

export interface DiscoveryClientOptions {
  /** host:port of the discovery server; several (a list, or comma-separated) for replicas. */
  address: string | readonly string[];
  /** Called when a stream to a replica other than the previous one delivered its first snapshot. */
  onReplicaChange?: (change: { address: string; index: number; previous: string | undefined }) => void;
  /** Roots the control plane's serving certificate must chain to. */
  caRootPem: string | string[];
  certificateSource: CertificateSource;
  pod: string;
  namespace: string;
  sink: SnapshotSink;
  clock?: Clock;
  logger?: Logger;
  /** The URI SAN the server must present. Default: the control plane's SPIFFE ID in our trust domain. */
  serverSpiffeId?: string;
  backoff?: BackoffOptions;
  random?: () => number;
}

export interface DiscoveryClientStatus {
  connected: boolean;
  /** The replica streamed from (or being tried). */
  address: string;
  /** The version of the last snapshot the sink accepted. */
  version?: string;
  /** Epoch ms of the last accepted snapshot. */
  lastAppliedAt?: number;
  lastError?: string;
  reconnects: number;
}

export interface DiscoveryClient {
  status(): DiscoveryClientStatus;
  /** Resolves once the first snapshot has been applied. */
  firstSnapshot(): Promise<void>;
  close(): Promise<void>;
}

type Call = GrpcStream<ProxyMessage, SnapshotMessage>;

const STREAM = clientMethod(STREAM_SNAPSHOTS);

/** A fresh connection per attempt (an old one may be half dead), with these settings. */
const CHANNEL_SETTINGS = {
  // An IP as TLS server name draws a Node warning (DEP0123); identity is checked apart.
  serverName: 'discovery.automesh.internal',
  maxReceiveBytes: 64 * 1024 * 1024,
  // A snapshot is hundreds of KB in a large mesh: let it arrive without a window update per 64 KB.
  receiveWindowBytes: 16 * 1024 * 1024,
  // A control plane that vanished without closing the connection is noticed within 40 s.
  keepaliveMs: 30_000,
  keepaliveTimeoutMs: 10_000,
} as const;

/** Starts the client; it runs until closed, whatever the control plane does. */
export function startDiscoveryClient(options: DiscoveryClientOptions): DiscoveryClient {
  const client = new DiscoveryStreamClient(options);
  client.connect();
  return client;
}

class DiscoveryStreamClient implements DiscoveryClient {
  private readonly options: DiscoveryClientOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly state: DiscoveryClientStatus;
  private readonly addresses: readonly string[];
  /** The replica tried now, as an index into `addresses`. */
  private index = 0;
  /** The replica that last delivered a snapshot. */
  private servedBy: string | undefined;
  private attempt = 0;
  private closed = false;
  private active: { channel: GrpcChannel; call: Call } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private waitingForCert: (() => void) | undefined;
  private readonly first: Promise<void>;
  private resolveFirst: () => void = () => undefined;
  private readonly unsubscribe: Unsubscribe[];

  constructor(options: DiscoveryClientOptions) {
    this.options = options;
    this.addresses = splitAddresses(options.address);
    if (this.addresses.length === 0) throw new Error('discovery client: no control-plane address');
    this.state = { connected: false, address: this.addresses[0] as string, reconnects: 0 };
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.first = new Promise((resolve) => (this.resolveFirst = resolve));
    const source = options.certificateSource;
    const report = (): void => this.reportCertificate();
    this.unsubscribe = [source.onUpdate(report), source.onRenewalFailure?.(report) ?? (() => undefined)];
  }

  status(): DiscoveryClientStatus {
    return { ...this.state };
  }

  firstSnapshot(): Promise<void> {
    return this.first;
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const stop of this.unsubscribe) stop();
    this.waitingForCert?.();
    this.hangUp();
    return Promise.resolve();
  }

  connect(): void {
    if (this.closed) return;
    const cert = this.options.certificateSource.current();
    if (cert === undefined) {
      this.waitingForCert = this.options.certificateSource.onUpdate(() => {
        this.waitingForCert?.();
        this.waitingForCert = undefined;
        this.connect();
      });
      return;
    }
    const address = this.addresses[this.index] as string;
    this.state.address = address;
    const channel = new GrpcChannel(address, this.channelOptions(cert));
    const call = channel.stream(STREAM);
    this.active = { channel, call };
    call.on('data', (message: SnapshotMessage) => this.onSnapshot(call, message));
    call.on('error', (err: GrpcError) => this.onLost(call, `${grpcStatusName(err.code)}: ${err.details}`));
    call.on('end', () => this.onLost(call, 'stream ended by the control plane'));
    call.write({
      hello: {
        pod: this.options.pod,
        namespace: this.options.namespace,
        version: this.state.version ?? '',
        accepts_gzip: true,
      },
    });
    this.reportCertificate();
  }

  /** Tells the control plane how the certificate stands, on the stream if there is one. */
  private reportCertificate(): void {
    const call = this.active?.call;
    const cert = this.options.certificateSource.current();
    if (call === undefined || cert === undefined) return;
    call.write({ certificate: certificateStatus(cert, this.options.certificateSource) });
  }

  private channelOptions(cert: WorkloadCertificate): GrpcChannelOptions {
    const roots = Array.isArray(this.options.caRootPem)
      ? this.options.caRootPem.join('')
      : this.options.caRootPem;
    const expected = this.options.serverSpiffeId ?? expectedServerId(cert);
    return {
      ...CHANNEL_SETTINGS,
      ca: roots,
      key: cert.privateKeyPem,
      cert: cert.certChainPem.join(''),
      checkServerIdentity: (_host: string, peer: PeerCertificate) =>
        uriSans(peer.subjectaltname).includes(expected)
          ? undefined
          : new Error(`control plane certificate does not carry ${expected}`),
    };
  }

  private onSnapshot(call: Call, message: SnapshotMessage): void {
    if (this.active?.call !== call) return;
    const text = snapshotText(message);
    const parsed = text.ok
      ? parseSnapshot(text.text, {
          version: message.version,
          pod: this.options.pod,
          namespace: this.options.namespace,
        })
      : text;
    const result = parsed.ok ? this.applyToSink(parsed.snapshot) : parsed;
    if (result.ok) {
      this.state.version = message.version;
      this.state.lastAppliedAt = this.clock.now();
      this.state.connected = true;
      this.attempt = 0;
      call.write({ ack: { version: message.version } });
      this.resolveFirst();
      this.noteServedBy(this.state.address);
    } else {
      this.logger.warn('snapshot refused', { version: message.version, error: result.error });
      call.write({ nack: { version: message.version, error: result.error } });
    }
  }

  private noteServedBy(address: string): void {
    const previous = this.servedBy;
    if (previous === address) return;
    this.servedBy = address;
    if (previous !== undefined)
      this.logger.info('resynced on another control-plane replica', { address, previous });
    if (previous === undefined) return;
    try {
      this.options.onReplicaChange?.({ address, index: this.index, previous });
    } catch (err) {
      this.logger.warn('replica change listener failed', { err: String(err) });
    }
  }

  private applyToSink(
    snapshot: Parameters<SnapshotSink['apply']>[0],
  ): { ok: true } | { ok: false; error: string } {
    try {
      return this.options.sink.apply(snapshot);
    } catch (err) {
      return { ok: false, error: `sink failed: ${(err as Error).message}` };
    }
  }

  private onLost(call: Call, reason: string): void {
    if (this.active?.call !== call) return;
    this.hangUp();
    if (this.closed) return;
    this.state.connected = false;
    this.state.lastError = reason;
    // The next replica in the list: the one that failed is likely dead, the others likely not.
    this.index = (this.index + 1) % this.addresses.length;
    const delay = backoffDelayMs(this.attempt++, this.options.backoff, this.options.random);
    this.logger.warn('discovery stream lost; reconnecting', {
      reason,
      delayMs: delay,
      version: this.state.version,
      next: this.addresses[this.index],
    });
    this.retryTimer = setTimeout(() => {
      this.state.reconnects++;
      this.connect();
    }, delay);
  }

  private hangUp(): void {
    const active = this.active;
    this.active = undefined;
    if (active === undefined) return;
    active.call.cancel();
    active.channel.close();
  }
}

function certificateStatus(cert: WorkloadCertificate, source: CertificateSource): CertificateStatusMessage {
  const trouble = source.renewalTrouble?.();
  return {
    serial_number: cert.serialNumber,
    not_after: cert.notAfter.toISOString(),
    renewal_error: trouble?.error ?? '',
    renewal_failing_since: trouble?.since.toISOString() ?? '',
    renewal_failures: trouble?.failures ?? 0,
  };
}

/** The snapshot JSON, inflated when it came compressed. */
function snapshotText(message: SnapshotMessage): { ok: true; text: string } | { ok: false; error: string } {
  const compressed = message.snapshot_json_gzip;
  if (compressed === undefined || compressed.length === 0) return { ok: true, text: message.snapshot_json };
  try {
    return { ok: true, text: gunzipSync(compressed).toString('utf8') };
  } catch (err) {
    return { ok: false, error: `snapshot does not inflate: ${(err as Error).message}` };
  }
}

/** The control plane's SPIFFE ID in the trust domain of our own SVID. */
function expectedServerId(cert: WorkloadCertificate): string {
  const parsed = parseSpiffeId(cert.spiffeId);
  return controlPlaneSpiffeId(parsed.ok ? parsed.identity.trustDomain : 'cluster.local');
}
