// Kubernetes' protobuf encoding, for the few bodies kubectl sends that way: its typed client
// (`kubectl create namespace`, `create configmap`, `create serviceaccount`) posts
// `application/vnd.kubernetes.protobuf`, a `k8s\0` magic and a runtime.Unknown envelope around the
// object's message. The field numbers are those of k8s.io/api's generated.proto for the fields
// these commands set; anything else in them is skipped. Other kinds sent as protobuf are refused
// (415), so kubectl's error says what to do. The answer is JSON, which kubectl also accepts. Pure.

import { ApiError } from './api-error.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { number: number; varint?: bigint; bytes?: Buffer };

function malformed(what: string): ApiError {
  return new ApiError('AUTOMESH_ERR_API_MALFORMED_JSON', `the protobuf request body is malformed: ${what}`);
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n, i = at; i < buf.length && shift < 70n; i++, shift += 7n) {
    const byte = buf[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw malformed('a varint runs past the end');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    at = next;
    if (wire === 0) {
      const [varint, after] = readVarint(buf, at);
      out.push({ number, varint });
      at = after;
    } else if (wire === 2) {
      const [length, after] = readVarint(buf, at);
      const end = after + Number(length);
      if (end > buf.length) throw malformed('a field runs past the end');
      out.push({ number, bytes: buf.subarray(after, end) });
      at = end;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      out.push({ number });
    } else throw malformed(`wire type ${wire}`);
  }
  if (at !== buf.length) throw malformed('a fixed-size field runs past the end');
  return out;
}

/** A string field; '' as absent, since Kubernetes' marshalling writes empty strings too. */
const text = (f: Field[], n: number): string | undefined =>
  f.find((x) => x.number === n)?.bytes?.toString('utf8') || undefined;
const message = (f: Field[], n: number): Field[] | undefined => {
  const bytes = f.find((x) => x.number === n)?.bytes;
  return bytes === undefined ? undefined : fields(bytes);
};
const strings = (f: Field[], n: number): string[] =>
  f.filter((x) => x.number === n && x.bytes !== undefined).map((x) => (x.bytes as Buffer).toString('utf8'));
const flag = (f: Field[], n: number): boolean | undefined => {
  const v = f.find((x) => x.number === n)?.varint;
  return v === undefined ? undefined : v !== 0n;
};

/** A protobuf map<string, string> (or bytes, base64 as in JSON): repeated {1 key, 2 value}. */
function map(f: Field[], n: number, base64 = false): Record<string, string> | undefined {
  const entries = f.filter((x) => x.number === n && x.bytes !== undefined);
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const kv = fields(entry.bytes as Buffer);
    const value = kv.find((x) => x.number === 2)?.bytes ?? Buffer.alloc(0);
    out[text(kv, 1) ?? ''] = base64 ? value.toString('base64') : value.toString('utf8');
  }
  return out;
}

const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function objectMeta(f: Field[] | undefined): Record<string, unknown> {
  if (f === undefined) return {};
  return defined({
    name: text(f, 1),
    generateName: text(f, 2),
    namespace: text(f, 3),
    labels: map(f, 11),
    annotations: map(f, 12),
  });
}

/** Each supported kind's fields after metadata (field 1). */
const BODIES: Record<string, (f: Field[]) => Record<string, unknown>> = {
  Namespace: (f) => {
    const finalizers = strings(message(f, 2) ?? [], 1);
    return defined({ spec: finalizers.length === 0 ? undefined : { finalizers } });
  },
  ConfigMap: (f) => defined({ data: map(f, 2), binaryData: map(f, 3, true), immutable: flag(f, 4) }),
  ServiceAccount: (f) => defined({ automountServiceAccountToken: flag(f, 4) }),
};

/** Decodes a protobuf request body into the JSON object it stands for. */
export function decodeProtobufObject(body: Buffer): unknown {
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) throw malformed('no k8s protobuf magic');
  const unknown = fields(body.subarray(MAGIC.length));
  const typeMeta = message(unknown, 1) ?? [];
  const apiVersion = text(typeMeta, 1) ?? '';
  const kind = text(typeMeta, 2) ?? '';
  const decodeBody = BODIES[kind];
  if (decodeBody === undefined) {
    throw new ApiError(
      'AUTOMESH_ERR_API_MEDIA_TYPE',
      `${kind || 'this kind'} cannot be sent as protobuf here (only ${Object.keys(BODIES).join(', ')}): send application/json`,
    );
  }
  const raw = fields(unknown.find((x) => x.number === 2)?.bytes ?? Buffer.alloc(0));
  return { apiVersion, kind, metadata: objectMeta(message(raw, 1)), ...decodeBody(raw) };
}
