// The CertificateService wire contract (proto/ca.proto), loaded once with proto-loader. Shared by
// the CA server (control plane) and the CA client (sidecar). Field names keep the proto's case.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { findProtoFile } from './proto-file.js';

export interface CreateCertificateRequest {
  csr: string;
  ttl_seconds: number;
}

export interface CreateCertificateResponse {
  cert_chain: string[];
  trust_bundle: string[];
}

export const CERTIFICATE_SERVICE_NAME = 'automesh.ca.v1.CertificateService';

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
