// Public surface of the wire module: the gRPC contracts in proto/, their messages encoded by hand
// (protobuf-codec.ts: no proto-loader or protobufjs in the sidecar), shared by the control plane
// (servers) and the sidecar (clients).
export type { CreateCertificateRequest, CreateCertificateResponse } from './certificate-service-proto.js';
export {
  certificateServiceClient,
  CERTIFICATE_SERVICE_NAME,
  encodeCreateCertificateRequest,
  decodeCreateCertificateRequest,
  encodeCreateCertificateResponse,
  decodeCreateCertificateResponse,
} from './certificate-service-proto.js';
export type { CertificateStatusMessage, ProxyMessage, SnapshotMessage } from './discovery-proto.js';
export {
  discoveryService,
  DISCOVERY_SERVICE_NAME,
  encodeProxyMessage,
  decodeProxyMessage,
  encodeSnapshotMessageFields,
  decodeSnapshotMessage,
} from './discovery-proto.js';
