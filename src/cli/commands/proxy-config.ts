// `automesh proxy-config secret POD [-n NS] [-o table|pem|json]`: the sidecar's workload
// certificate as istioctl shows it (identity, serial, valid from/to), read from the sidecar's
// admin port (`/certs`, which never carries the private key).

import { X509Certificate } from 'node:crypto';
import { findKind } from '../../api/index.js';
import { loadClient, nowMs } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { formatTable } from '../output/table.js';
import { reportError } from '../output/report-error.js';

/** The sidecar admin port (the proxy's ADMIN_PORT). */
const SIDECAR_ADMIN_PORT = 15000;
const FETCH_TIMEOUT_MS = 5000;

const ADMIN_ADDRESS_FLAG: FlagSpec = {
  name: 'admin-address',
  type: 'string',
  usage: 'host:port of the sidecar admin endpoint (default: the pod IP, port 15000)',
};
const OUTPUT_FLAG: FlagSpec = {
  name: 'output',
  short: 'o',
  type: 'string',
  usage: 'output format: table|pem|json',
};
const FLAGS = [COMMON_FLAGS.namespace, OUTPUT_FLAG, ADMIN_ADDRESS_FLAG, COMMON_FLAGS.help];
const USAGE = 'automesh proxy-config secret POD [-n NS] [-o table|pem|json]';
const SUMMARY = "Show a sidecar's workload certificate (istioctl proxy-config secret)";

/** What the sidecar admin port reports at `/certs`. */
export interface SecretView {
  identity: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  certChainPem: string[];
  trustBundlePem: string[];
}

/** istioctl prints serials in decimal and times to the second. */
function decimalSerial(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function rowFor(name: string, type: string, pem: string, identity: string, now: number): string[] {
  const cert = new X509Certificate(pem);
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  const valid = from.getTime() <= now && now <= to.getTime();
  return [
    name,
    type,
    valid ? 'ACTIVE' : 'EXPIRED',
    String(valid),
    decimalSerial(cert.serialNumber),
    isoSeconds(to),
    isoSeconds(from),
    identity,
  ];
}

/** istioctl's table: the workload chain (`default`) and each root (`ROOTCA`). */
export function formatSecret(view: SecretView, now: number = Date.now()): string {
  const header = [
    'RESOURCE NAME',
    'TYPE',
    'STATUS',
    'VALID CERT',
    'SERIAL NUMBER',
    'NOT AFTER',
    'NOT BEFORE',
    'IDENTITY',
  ];
  const leaf = view.certChainPem[0];
  const rows: string[][] = [];
  if (leaf !== undefined) rows.push(rowFor('default', 'Cert Chain', leaf, view.identity, now));
  for (const root of view.trustBundlePem) {
    const subject = new X509Certificate(root).subject?.replace(/\n/g, ',') ?? '';
    rows.push(rowFor('ROOTCA', 'CA', root, subject, now));
  }
  return formatTable(header, rows);
}

/** `-o pem`: the chain (leaf first, then intermediates), then the trust bundle. */
export function formatSecretPem(view: SecretView): string {
  const norm = (pem: string): string => (pem.endsWith('\n') ? pem : `${pem}\n`);
  return [...view.certChainPem, ...view.trustBundlePem].map(norm).join('');
}

function isSecretView(v: unknown): v is SecretView {
  const o = v as Partial<SecretView> | null;
  return (
    o !== null &&
    typeof o === 'object' &&
    typeof o.identity === 'string' &&
    Array.isArray(o.certChainPem) &&
    Array.isArray(o.trustBundlePem)
  );
}

/** Reads `/certs` from a sidecar admin endpoint. */
export async function fetchSecret(adminAddress: string): Promise<SecretView> {
  const res = await fetch(`http://${adminAddress}/certs`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`sidecar at ${adminAddress} has no certificate: ${JSON.stringify(body)}`);
  if (!isSecretView(body)) throw new Error(`sidecar at ${adminAddress} sent an unexpected /certs answer`);
  return body;
}

async function adminAddressOf(pod: string, namespace: string): Promise<string> {
  const kind = findKind('pods');
  if (kind === undefined) throw new Error('pods are not a known kind');
  const object = (await (await loadClient()).get(kind, pod, namespace)) as { status?: { podIP?: string } };
  const ip = object.status?.podIP;
  if (ip === undefined || ip === '') throw new Error(`pod ${pod} in namespace ${namespace} has no IP yet`);
  return `${ip}:${SIDECAR_ADMIN_PORT}`;
}

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseFlags(args, FLAGS);
    if (flagBool(parsed, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, SUMMARY, FLAGS));
      return 0;
    }
    const [sub, pod, ...extra] = parsed.positionals;
    if (sub !== 'secret') throw new Error(`unknown proxy-config type "${sub ?? ''}": supported: secret`);
    if (pod === undefined || extra.length > 0) throw new Error(`expected exactly one pod: ${USAGE}`);
    const podName = pod.replace(/^pods?\//, '').split('.')[0] ?? pod;
    const namespace =
      flagString(parsed, 'namespace') ?? (pod.includes('.') ? pod.split('.')[1] : undefined) ?? 'default';
    const output = flagString(parsed, 'output') ?? 'table';
    if (!['table', 'short', 'pem', 'json'].includes(output))
      throw new Error(`unknown output format "${output}": table|pem|json`);
    const address = flagString(parsed, 'admin-address') ?? (await adminAddressOf(podName, namespace));
    const view = await fetchSecret(address);
    if (output === 'pem') process.stdout.write(formatSecretPem(view));
    else if (output === 'json') process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    else process.stdout.write(formatSecret(view, nowMs()));
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
