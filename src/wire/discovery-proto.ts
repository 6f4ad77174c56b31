// The Discovery wire contract (proto/discovery.proto), loaded once with proto-loader. Shared by
// the discovery server (control plane) and the discovery client (sidecar).

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { findProtoFile } from './proto-file.js';

/** A ProxyMessage as proto-loader decodes it (`oneofs: true` names the set field in `kind`). */
export interface ProxyMessage {
  kind?: 'hello' | 'ack' | 'nack' | 'certificate';
  hello?: { pod: string; namespace: string; version: string; accepts_gzip?: boolean };
  ack?: { version: string };
  nack?: { version: string; error: string };
  certificate?: CertificateStatusMessage;
}

/** The sidecar's SVID as it stands; times are RFC 3339, the renewal fields empty/0 while renewals succeed. */
export interface CertificateStatusMessage {
  serial_number: string;
  not_after: string;
  renewal_error: string;
  renewal_failing_since: string;
  renewal_failures: number;
}

export interface SnapshotMessage {
  version: string;
  snapshot_json: string;
  /** Set instead of `snapshot_json` for sidecars that accept gzip. */
  snapshot_json_gzip?: Buffer;
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The Discovery client constructor; its `.service` is the server-side definition. */
export function discoveryService(): grpc.ServiceClientConstructor {
  if (cached !== undefined) return cached;
  const definition = protoLoader.loadSync(findProtoFile('discovery.proto'), {
    keepCase: true,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    automesh: { discovery: { v1: { Discovery: grpc.ServiceClientConstructor } } };
  };
  cached = loaded.automesh.discovery.v1.Discovery;
  return cached;
}
