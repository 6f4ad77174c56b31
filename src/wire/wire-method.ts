// One gRPC method of the mesh's contracts as data: its path, whether each side streams, and the
// four codec functions. The sidecar's client (grpc-client.ts) takes the request encoder and the
// response decoder; the control plane builds its grpc-js service definitions from the same
// object, so both ends always speak one contract.

import type { GrpcMethod } from './grpc-client.js';

export interface WireMethod<Req, Res> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  encodeRequest: (request: Req) => Buffer;
  decodeRequest: (bytes: Buffer) => Req;
  encodeResponse: (response: Res) => Buffer;
  decodeResponse: (bytes: Buffer) => Res;
}

/** The client's view of a method. */
export function clientMethod<Req, Res>(method: WireMethod<Req, Res>): GrpcMethod<Req, Res> {
  return { path: method.path, serialize: method.encodeRequest, deserialize: method.decodeResponse };
}
