// etcd's v3 gRPC API (proto/etcd.proto) through @grpc/grpc-js: one channel to the members, the
// unary calls as promises with a deadline, and the Watch stream. No etcd semantics beyond the wire.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface ResponseHeader {
  revision: number;
}

export interface KeyValue {
  key: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Buffer;
}

export interface RangeRequest {
  key: Buffer;
  range_end?: Buffer;
  limit?: number;
  /** Read as of this revision (0 or absent: the latest); a compacted one fails. */
  revision?: number;
  count_only?: boolean;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  count: number;
}

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';

export interface Compare {
  result: CompareResult;
  target: 'VERSION' | 'MOD' | 'CREATE' | 'VALUE';
  key: Buffer;
  range_end?: Buffer;
  version?: number;
  mod_revision?: number;
  create_revision?: number;
  value?: Buffer;
}

export type RequestOp =
  | { request_range: RangeRequest }
  | { request_put: { key: Buffer; value: Buffer; lease?: number } }
  | { request_delete_range: { key: Buffer; range_end?: Buffer } };

export interface ResponseOp {
  response_range?: RangeResponse;
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface WatchEventMessage {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  prev_kv: KeyValue | null;
}

export interface WatchResponse {
  header: ResponseHeader;
  watch_id: number;
  created: boolean;
  canceled: boolean;
  compact_revision: number;
  cancel_reason: string;
  events: WatchEventMessage[];
}

export interface WatchCreateRequest {
  key: Buffer;
  range_end: Buffer;
  start_revision: number;
  prev_kv: boolean;
}

export type WatchStream = grpc.ClientDuplexStream<{ create_request: WatchCreateRequest }, WatchResponse>;

type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

interface KvClient extends grpc.Client {
  Range: Unary<RangeRequest, RangeResponse>;
  Txn: Unary<TxnRequest, TxnResponse>;
  Compact: Unary<{ revision: number; physical: boolean }, { header: ResponseHeader }>;
}
interface WatchClient extends grpc.Client {
  Watch: (metadata: grpc.Metadata) => WatchStream;
}
interface MaintenanceClient extends grpc.Client {
  Status: Unary<Record<string, never>, { header: ResponseHeader; version: string }>;
}
export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
  error: string;
}
export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: number;
  /** The lease's TTL from now, in seconds; 0 or less when the lease is gone. */
  TTL: number;
}
export type LeaseKeepAliveStream = grpc.ClientDuplexStream<{ ID: number }, LeaseKeepAliveResponse>;
interface LeaseClient extends grpc.Client {
  LeaseGrant: Unary<{ TTL: number; ID: number }, LeaseGrantResponse>;
  LeaseRevoke: Unary<{ ID: number }, { header: ResponseHeader }>;
  LeaseKeepAlive: (metadata: grpc.Metadata, options: grpc.CallOptions) => LeaseKeepAliveStream;
}
interface Constructors {
  Lease: new (target: string, creds: grpc.ChannelCredentials, options: object) => LeaseClient;
  KV: new (target: string, creds: grpc.ChannelCredentials, options: object) => KvClient;
  Watch: new (target: string, creds: grpc.ChannelCredentials, options: object) => WatchClient;
  Maintenance: new (target: string, creds: grpc.ChannelCredentials, options: object) => MaintenanceClient;
}

let loaded: Constructors | undefined;

function protoFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 7; i++) {
    const candidate = join(dir, 'proto', 'etcd.proto');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`proto/etcd.proto not found above ${fileURLToPath(import.meta.url)}`);
}

function constructors(): Constructors {
  if (loaded !== undefined) return loaded;
  const definition = protoLoader.loadSync(protoFile(), {
    keepCase: true,
    // Revisions are int64; as numbers they are exact up to 2^53, beyond any etcd's lifetime.
    longs: Number,
    enums: String,
    defaults: true,
    arrays: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { etcdserverpb: Constructors };
  loaded = pkg.etcdserverpb;
  return loaded;
}

/** How a call failed, for the caller's message: the gRPC status and what etcd said. */
export interface EtcdCallError extends Error {
  code?: grpc.status;
  details?: string;
}

export interface EtcdRpcOptions {
  /** `host:port` of each member; literal IP addresses (resolve names before). */
  endpoints: readonly string[];
  /** Deadline of each unary call. */
  callTimeoutMs: number;
}

/** The gRPC target naming every member, so grpc-js fails over between them (pick_first). */
function targetOf(endpoints: readonly string[]): string {
  const v6 = endpoints.every((e) => e.startsWith('['));
  return `${v6 ? 'ipv6' : 'ipv4'}:${endpoints.join(',')}`;
}

export class EtcdRpc {
  readonly endpoints: readonly string[];
  private readonly kv: KvClient;
  private readonly watchClient: WatchClient;
  private readonly maintenance: MaintenanceClient;
  private readonly lease: LeaseClient;
  private readonly callTimeoutMs: number;

  constructor(options: EtcdRpcOptions) {
    this.endpoints = options.endpoints;
    this.callTimeoutMs = options.callTimeoutMs;
    const c = constructors();
    const target = targetOf(options.endpoints);
    const creds = grpc.credentials.createInsecure();
    const channelOptions = {
      // Transactions of a large batch can be big; etcd's own default request limit is 1.5 MiB.
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
    };
    this.kv = new c.KV(target, creds, channelOptions);
    // The same target and options give the same subchannels: one connection carries all three.
    this.watchClient = new c.Watch(target, creds, channelOptions);
    this.maintenance = new c.Maintenance(target, creds, channelOptions);
    this.lease = new c.Lease(target, creds, channelOptions);
  }

  range(request: RangeRequest): Promise<RangeResponse> {
    return this.unary(this.kv, this.kv.Range, request);
  }

  /** A range with its own deadline: the first call, which also waits for a connection. */
  rangeWithin(request: RangeRequest, timeoutMs: number): Promise<RangeResponse> {
    return this.unary(this.kv, this.kv.Range, request, timeoutMs);
  }

  txn(request: TxnRequest): Promise<TxnResponse> {
    return this.unary(this.kv, this.kv.Txn, request);
  }

  compact(revision: number): Promise<{ header: ResponseHeader }> {
    return this.unary(this.kv, this.kv.Compact, { revision, physical: false });
  }

  status(timeoutMs = this.callTimeoutMs): Promise<{ header: ResponseHeader; version: string }> {
    return this.unary(this.maintenance, this.maintenance.Status, {}, timeoutMs);
  }

  /**
   * Grants a lease of `ttlSeconds` with the caller's `id` (etcd's own ids are int64 beyond a
   * number's exact range; ids chosen below 2^53 stay exact).
   */
  leaseGrant(id: number, ttlSeconds: number, timeoutMs = this.callTimeoutMs): Promise<LeaseGrantResponse> {
    return this.unary(this.lease, this.lease.LeaseGrant, { TTL: ttlSeconds, ID: id }, timeoutMs);
  }

  leaseRevoke(id: number, timeoutMs = this.callTimeoutMs): Promise<{ header: ResponseHeader }> {
    return this.unary(this.lease, this.lease.LeaseRevoke, { ID: id }, timeoutMs);
  }

  /** One keepalive round trip on a stream of its own, bounded by `timeoutMs`. */
  leaseKeepAliveOnce(id: number, timeoutMs = this.callTimeoutMs): Promise<LeaseKeepAliveResponse> {
    return new Promise((resolve, reject) => {
      const stream = this.lease.LeaseKeepAlive(new grpc.Metadata(), { deadline: Date.now() + timeoutMs });
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        fn();
        stream.cancel();
      };
      stream.on('data', (response: LeaseKeepAliveResponse) => settle(() => resolve(response)));
      stream.on('error', (err: Error) => settle(() => reject(err)));
      stream.on('end', () =>
        settle(() => reject(new Error('lease keepalive stream ended without an answer'))),
      );
      stream.write({ ID: id });
    });
  }

  /**
   * A Watch stream. `hasleader` makes a member that has lost its leader cancel the stream instead
   * of leaving it silent, so the caller moves to a member that still has one.
   */
  watch(): WatchStream {
    const metadata = new grpc.Metadata();
    metadata.set('hasleader', 'true');
    return this.watchClient.Watch(metadata);
  }

  close(): void {
    this.kv.close();
    this.watchClient.close();
    this.maintenance.close();
    this.lease.close();
  }

  private unary<Req, Res>(
    client: grpc.Client,
    method: Unary<Req, Res>,
    request: Req,
    timeoutMs = this.callTimeoutMs,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(
        client,
        request,
        new grpc.Metadata(),
        // waitForReady: while a member is down the call waits for another instead of failing fast.
        { deadline: Date.now() + timeoutMs, waitForReady: true },
        (err, response) => {
          if (err) reject(err);
          else resolve(response as Res);
        },
      );
    });
  }
}

export { grpc };
