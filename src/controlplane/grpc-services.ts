// The mesh's gRPC contracts (wire's methods as data) as grpc-js service definitions, for the
// control plane's CA and discovery servers, and as grpc-js client constructors for tools and tests
// that talk to those servers the way any gRPC peer would. The sidecar uses wire's own client.

import * as grpc from '@grpc/grpc-js';
import {
  CERTIFICATE_SERVICE_NAME,
  CREATE_CERTIFICATE,
  DISCOVERY_SERVICE_NAME,
  STREAM_SNAPSHOTS,
  type WireMethod,
} from '../wire/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a definition holds methods of any message types
type AnyMethod = WireMethod<any, any>;

function definitionOf(methods: Record<string, AnyMethod>): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(methods).map(([name, method]) => [
      name,
      {
        path: method.path,
        requestStream: method.requestStream,
        responseStream: method.responseStream,
        requestSerialize: (value: unknown) => method.encodeRequest(value),
        requestDeserialize: (bytes: Buffer) => method.decodeRequest(bytes) as unknown,
        responseSerialize: (value: unknown) => method.encodeResponse(value),
        responseDeserialize: (bytes: Buffer) => method.decodeResponse(bytes) as unknown,
      },
    ]),
  );
}

let certificateService: grpc.ServiceClientConstructor | undefined;
let discovery: grpc.ServiceClientConstructor | undefined;

/** CertificateService as a grpc-js client constructor; its `.service` is the server definition. */
export function certificateServiceClient(): grpc.ServiceClientConstructor {
  certificateService ??= grpc.makeGenericClientConstructor(
    definitionOf({ CreateCertificate: CREATE_CERTIFICATE }),
    CERTIFICATE_SERVICE_NAME,
  );
  return certificateService;
}

/** Discovery as a grpc-js client constructor; its `.service` is the server definition. */
export function discoveryService(): grpc.ServiceClientConstructor {
  discovery ??= grpc.makeGenericClientConstructor(
    definitionOf({ StreamSnapshots: STREAM_SNAPSHOTS }),
    DISCOVERY_SERVICE_NAME,
  );
  return discovery;
}
