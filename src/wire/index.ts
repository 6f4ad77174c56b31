// Public surface of the wire module: the gRPC contracts in proto/, loaded with proto-loader and
// shared by the control plane (servers) and the sidecar (clients).
export type { CreateCertificateRequest, CreateCertificateResponse } from './certificate-service-proto.js';
export { certificateServiceClient, CERTIFICATE_SERVICE_NAME } from './certificate-service-proto.js';
export type { CertificateStatusMessage, ProxyMessage, SnapshotMessage } from './discovery-proto.js';
export { discoveryService } from './discovery-proto.js';
