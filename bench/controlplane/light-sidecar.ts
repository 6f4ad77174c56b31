// A simulated sidecar: one real gRPC stream over TLS with its SVID, Hello, and an ack for every
// snapshot. Without `parse` it decodes only the version (the control plane is what is measured);
// with `parse` it inflates and parses the snapshot JSON, as the real client does before applying.
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { discoveryService } from '../../src/controlplane/index.js';
import type { ProxyMessage, SnapshotMessage } from '../../src/wire/index.js';

export interface LightSidecarOptions {
  address: string;
  rootPem: string;
  svid: { privateKeyPem: string; certChainPem: string[] };
  namespace: string;
  pod: string;
  parse: boolean;
}

export interface LightSidecar {
  received(): number;
  close(): void;
}

/** Reads only field 1 (version) of a SnapshotMessage, leaving the JSON undecoded. */
function versionOnly(buffer: Buffer): SnapshotMessage {
  let length = 0;
  let shift = 0;
  let offset = 1; // byte 0 is the tag of field 1, which the control plane writes first
  for (;;) {
    const byte = buffer[offset++] ?? 0;
    length += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  return { version: buffer.toString('utf8', offset, offset + length), snapshot_json: '' };
}

function clientConstructor(parse: boolean): grpc.ServiceClientConstructor {
  const Discovery = discoveryService();
  if (parse) return Discovery;
  const method = Discovery.service['StreamSnapshots']!;
  return grpc.makeGenericClientConstructor(
    { StreamSnapshots: { ...method, responseDeserialize: versionOnly } },
    'Discovery',
  );
}

export function startLightSidecar(options: LightSidecarOptions): LightSidecar {
  const Discovery = clientConstructor(options.parse);
  const credentials = grpc.credentials.createSsl(
    Buffer.from(options.rootPem),
    Buffer.from(options.svid.privateKeyPem),
    Buffer.from(options.svid.certChainPem.join('')),
    { checkServerIdentity: () => undefined },
  );
  const client = new Discovery(options.address, credentials, {
    'grpc.ssl_target_name_override': 'discovery.automesh.internal',
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.use_local_subchannel_pool': 1,
    'grpc-node.flow_control_window': 16 * 1024 * 1024,
  });
  const call = (
    client as unknown as { StreamSnapshots(): grpc.ClientDuplexStream<ProxyMessage, SnapshotMessage> }
  ).StreamSnapshots();
  let received = 0;
  let closed = false;
  call.on('data', (message: SnapshotMessage) => {
    received++;
    if (options.parse) JSON.parse(gunzipSync(message.snapshot_json_gzip!).toString('utf8'));
    call.write({ ack: { version: message.version } });
  });
  call.on('error', (err: grpc.ServiceError) => {
    if (!closed) process.stderr.write(`sidecar ${options.namespace}/${options.pod}: ${err.message}\n`);
  });
  call.write({ hello: { pod: options.pod, namespace: options.namespace, version: '', accepts_gzip: true } });
  return {
    received: () => received,
    close: () => {
      closed = true;
      call.cancel();
      client.close();
    },
  };
}
