// The Discovery wire contract (proto/discovery.proto), loaded once with proto-loader, sidecar side.
// The control plane has its own copy of this loader: the proxy module may not import it.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** A ProxyMessage as proto-loader decodes it (`oneofs: true` names the set field in `kind`). */
export interface ProxyMessage {
  kind?: 'hello' | 'ack' | 'nack';
  hello?: { pod: string; namespace: string; version: string; accepts_gzip?: boolean };
  ack?: { version: string };
  nack?: { version: string; error: string };
}

export interface SnapshotMessage {
  version: string;
  snapshot_json: string;
  /** Set instead of `snapshot_json` for sidecars that accept gzip. */
  snapshot_json_gzip?: Buffer;
}

function findProtoFile(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto', name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`proto/${name} not found above ${fileURLToPath(import.meta.url)}`);
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
