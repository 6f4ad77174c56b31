// The CertificateService wire contract (proto/ca.proto), loaded once with proto-loader. Shared by
// the CA server (control plane) and the CA client (sidecar). Field names keep the proto's case.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface CreateCertificateRequest {
  csr: string;
  ttl_seconds: number;
}

export interface CreateCertificateResponse {
  cert_chain: string[];
  trust_bundle: string[];
}

export const CERTIFICATE_SERVICE_NAME = 'automesh.ca.v1.CertificateService';

/** Finds `proto/ca.proto` above this file: works from `src/` under tsx and from `dist/src/`. */
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

/** The generated client constructor; its `.service` is the server-side definition. */
export function certificateServiceClient(): grpc.ServiceClientConstructor {
  if (cached !== undefined) return cached;
  const definition = protoLoader.loadSync(findProtoFile('ca.proto'), {
    keepCase: true,
    longs: Number,
    defaults: true,
    arrays: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    automesh: { ca: { v1: { CertificateService: grpc.ServiceClientConstructor } } };
  };
  cached = loaded.automesh.ca.v1.CertificateService;
  return cached;
}
