// The hand-written codecs of the mesh's gRPC messages against protobufjs (through proto-loader,
// reading the .proto files that are the contract): each side decodes what the other encodes, so
// a sidecar with the hand codec and any standard protobuf peer agree byte for byte in meaning.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  decodeCreateCertificateRequest,
  decodeCreateCertificateResponse,
  decodeProxyMessage,
  decodeSnapshotMessage,
  encodeCreateCertificateRequest,
  encodeCreateCertificateResponse,
  encodeProxyMessage,
  encodeSnapshotMessageFields,
  type ProxyMessage,
} from '../../src/wire/index.js';
import { readFields } from '../../src/wire/protobuf-codec.js';

/** The method definitions protobufjs makes from a .proto file (the reference implementation). */
function reference(file: string, pkg: string[], service: string): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(join(process.cwd(), 'proto', file), {
    keepCase: true,
    longs: Number,
    defaults: true,
    oneofs: true,
    arrays: true,
  });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const part of [...pkg, service]) node = (node as Record<string, unknown>)[part];
  return (node as grpc.ServiceClientConstructor).service;
}

const ca = reference('ca.proto', ['automesh', 'ca', 'v1'], 'CertificateService')['CreateCertificate']!;
const discovery = reference('discovery.proto', ['automesh', 'discovery', 'v1'], 'Discovery')[
  'StreamSnapshots'
]!;

describe('the hand-written protobuf codecs', () => {
  it('agree with protobufjs on CreateCertificateRequest and Response, both ways', () => {
    const request = { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n', ttl_seconds: 86_400 };
    assert.deepEqual(ca.requestDeserialize(encodeCreateCertificateRequest(request)), request);
    assert.deepEqual(decodeCreateCertificateRequest(ca.requestSerialize(request)), request);
    const response = { cert_chain: ['leaf', 'intermediate'], trust_bundle: ['root-1', 'root-2'] };
    assert.deepEqual(ca.responseDeserialize(encodeCreateCertificateResponse(response)), response);
    assert.deepEqual(decodeCreateCertificateResponse(ca.responseSerialize(response)), response);
    // A large TTL stays exact (int64 as a safe integer).
    const long = { csr: 'x', ttl_seconds: 2 ** 40 + 3 };
    assert.deepEqual(decodeCreateCertificateRequest(ca.requestSerialize(long)), long);
  });

  it('agree with protobufjs on every ProxyMessage member, naming it in kind', () => {
    const messages: ProxyMessage[] = [
      { hello: { pod: 'sleep-1', namespace: 'full', version: 'v7', accepts_gzip: true } },
      { hello: { pod: 'p', namespace: 'n', version: '', accepts_gzip: false } },
      { ack: { version: 'v8' } },
      { nack: { version: 'v9', error: 'bad port "x"' } },
      {
        certificate: {
          serial_number: 'ab:cd',
          not_after: '2026-12-04T09:00:00Z',
          renewal_error: 'CA unreachable',
          renewal_failing_since: '2026-12-03T09:00:00Z',
          renewal_failures: 3,
        },
      },
    ];
    for (const message of messages) {
      const [kind] = Object.keys(message) as NonNullable<ProxyMessage['kind']>[];
      const theirs = discovery.requestDeserialize(encodeProxyMessage(message)) as ProxyMessage;
      assert.equal(theirs.kind, kind);
      assert.deepEqual(theirs[kind!], message[kind!]);
      const ours = decodeProxyMessage(discovery.requestSerialize(message));
      assert.deepEqual(ours, { kind, ...message });
    }
  });

  it('agree with protobufjs on SnapshotMessage, plain and gzip', () => {
    const plain = { version: 'v3', snapshot_json: '{"version":"v3"}', snapshot_json_gzip: Buffer.alloc(0) };
    const gzip = {
      version: 'v4',
      snapshot_json: '',
      snapshot_json_gzip: Buffer.from([0x1f, 0x8b, 8, 0, 1, 2]),
    };
    for (const message of [plain, gzip]) {
      assert.deepEqual(decodeSnapshotMessage(discovery.responseSerialize(message)), message);
      const theirs = discovery.responseDeserialize(encodeSnapshotMessageFields(message)) as typeof message;
      assert.equal(theirs.version, message.version);
      assert.equal(theirs.snapshot_json, message.snapshot_json);
      assert.deepEqual(Buffer.from(theirs.snapshot_json_gzip), message.snapshot_json_gzip);
    }
  });

  it('skips fields it does not know and refuses truncated input', () => {
    // Field 9 (varint) and field 10 (bytes) are unknown; a 64-bit field 11 too.
    const extra = Buffer.concat([
      encodeCreateCertificateRequest({ csr: 'c', ttl_seconds: 5 }),
      Buffer.from([0x48, 0x01, 0x52, 0x02, 0x61, 0x62, 0x59, 1, 2, 3, 4, 5, 6, 7, 8]),
    ]);
    assert.deepEqual(decodeCreateCertificateRequest(extra), { csr: 'c', ttl_seconds: 5 });
    assert.throws(() => readFields(Buffer.from([0x0a, 0x05, 0x61])), /length past the end/);
    assert.throws(() => readFields(Buffer.from([0x10, 0x80])), /truncated varint/);
  });
});
