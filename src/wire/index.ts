// Public surface of the wire module: the gRPC contracts in proto/ with their messages encoded by
// hand (protobuf-codec.ts) and their methods as data (wire-method.ts), and the sidecar's gRPC
// client over node:http2 (grpc-client.ts). Nothing here loads grpc-js, proto-loader or
// protobufjs: the control plane builds its grpc-js servers from these methods.
export type { CreateCertificateRequest, CreateCertificateResponse } from './certificate-service-proto.js';
export {
  CREATE_CERTIFICATE,
  CERTIFICATE_SERVICE_NAME,
  encodeCreateCertificateRequest,
  decodeCreateCertificateRequest,
  encodeCreateCertificateResponse,
  decodeCreateCertificateResponse,
} from './certificate-service-proto.js';
export type { CertificateStatusMessage, ProxyMessage, SnapshotMessage } from './discovery-proto.js';
export {
  STREAM_SNAPSHOTS,
  DISCOVERY_SERVICE_NAME,
  encodeProxyMessage,
  decodeProxyMessage,
  encodeSnapshotMessageFields,
  decodeSnapshotMessage,
} from './discovery-proto.js';
export type { WireMethod } from './wire-method.js';
export { clientMethod } from './wire-method.js';
export type { GrpcChannelOptions, GrpcMethod, GrpcStream } from './grpc-client.js';
export { GrpcChannel, GrpcError, GrpcStatus, grpcStatusName } from './grpc-client.js';
