// The CertificateService wire contract (proto/ca.proto): its messages encoded by hand
// (protobuf-codec.ts) and its one method as data (wire-method.ts). Shared by the CA server
// (control plane) and the CA client (sidecar). Field names keep the proto's case.

import type { WireMethod } from './wire-method.js';
import { ProtoWriter, asNumber, asString, readFields } from './protobuf-codec.js';

export interface CreateCertificateRequest {
  csr: string;
  ttl_seconds: number;
}

export interface CreateCertificateResponse {
  cert_chain: string[];
  trust_bundle: string[];
}

export const CERTIFICATE_SERVICE_NAME = 'automesh.ca.v1.CertificateService';

export function encodeCreateCertificateRequest(request: CreateCertificateRequest): Buffer {
  return new ProtoWriter().string(1, request.csr).uint(2, request.ttl_seconds).finish();
}

export function decodeCreateCertificateRequest(buffer: Buffer): CreateCertificateRequest {
  const request: CreateCertificateRequest = { csr: '', ttl_seconds: 0 };
  for (const f of readFields(buffer)) {
    if (f.field === 1) request.csr = asString(f);
    else if (f.field === 2) request.ttl_seconds = asNumber(f);
  }
  return request;
}

export function encodeCreateCertificateResponse(response: CreateCertificateResponse): Buffer {
  const writer = new ProtoWriter();
  for (const pem of response.cert_chain) writer.string(1, pem);
  for (const pem of response.trust_bundle) writer.string(2, pem);
  return writer.finish();
}

export function decodeCreateCertificateResponse(buffer: Buffer): CreateCertificateResponse {
  const response: CreateCertificateResponse = { cert_chain: [], trust_bundle: [] };
  for (const f of readFields(buffer)) {
    if (f.field === 1) response.cert_chain.push(asString(f));
    else if (f.field === 2) response.trust_bundle.push(asString(f));
  }
  return response;
}

/** CertificateService.CreateCertificate (unary). */
export const CREATE_CERTIFICATE: WireMethod<CreateCertificateRequest, CreateCertificateResponse> = {
  path: `/${CERTIFICATE_SERVICE_NAME}/CreateCertificate`,
  requestStream: false,
  responseStream: false,
  encodeRequest: encodeCreateCertificateRequest,
  decodeRequest: decodeCreateCertificateRequest,
  encodeResponse: encodeCreateCertificateResponse,
  decodeResponse: decodeCreateCertificateResponse,
};
