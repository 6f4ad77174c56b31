// `automesh proxy-status [POD[.NS]] [-n NS] [-o json]`: every connected sidecar, the snapshot
// version it runs, whether it is in sync with the control plane, when it last acked (istioctl
// habit) and how its certificate stands (as the sidecar reported it: time left, failing renewals).
// Reads the API server's `/debug/proxy-status` with the admin credential. When the control plane
// cannot be reached, it says so and shows what each local sidecar reports about its certificate
// (its admin port), since that is when a certificate runs out unrenewed.

import type { ProxyCertificate, ProxyStatus, ProxyStatusList } from '../../controlplane/index.js';
import { ApiClient, ApiClientError, PROXY_STATUS_PATH } from '../../controlplane/index.js';
import { stateDir, nowMs } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import { humanDuration } from '../../api/age.js';
import { formatTable } from '../output/table.js';
import { reportError } from '../output/report-error.js';
import { fetchFailure } from '../fetch-failure.js';
import { askSidecarsForCertificates, type SidecarCertificate } from '../sidecar/sidecar-certificates.js';

const OUTPUT_FLAG = {
  name: 'output',
  short: 'o',
  type: 'string',
  usage: 'output format: table|json',
} as const;
const FLAGS = [COMMON_FLAGS.namespace, OUTPUT_FLAG, COMMON_FLAGS.help];
const USAGE = 'automesh proxy-status [POD[.NAMESPACE]] [-n NAMESPACE] [-o table|json]';
export const summary =
  'Show whether each sidecar has the latest config and a valid certificate (istioctl proxy-status)';
const FETCH_TIMEOUT_MS = 10_000;

/** SYNCED, NACKED (refused the latest), STALE (latest sent, not acked yet) or NOT SENT. */
export function syncState(status: ProxyStatus): string {
  if (status.synced) return 'SYNCED';
  if (status.desiredVersion === undefined) return 'NOT SENT';
  if (status.nackedVersion === status.desiredVersion) return 'NACKED';
  return 'STALE';
}

/** VALID 23h, RENEWAL FAILING 40s left, EXPIRED 5s ago, or - before the sidecar reported one. */
export function certificateState(cert: ProxyCertificate | undefined, now: number): string {
  if (cert === undefined) return '-';
  const left = Date.parse(cert.notAfter) - now;
  if (left <= 0) return `EXPIRED ${humanDuration(-left)} ago`;
  if (cert.renewalError !== undefined) return `RENEWAL FAILING ${humanDuration(left)} left`;
  return `VALID ${humanDuration(left)}`;
}

/** One line for a sidecar whose certificate renewals fail: since when, why, and what is left. */
function renewalTrouble(name: string, cert: ProxyCertificate, now: number): string {
  const left = Date.parse(cert.notAfter) - now;
  const since =
    cert.renewalFailingSince === undefined
      ? ''
      : ` for ${humanDuration(now - Date.parse(cert.renewalFailingSince))}`;
  const count = cert.renewalFailures === undefined ? '' : ` (${cert.renewalFailures} in a row)`;
  const outcome =
    left > 0 ? `it expires in ${humanDuration(left)}` : 'it has expired: STRICT peers refuse it';
  return `${name}: certificate renewal failing${since}${count}: ${cert.renewalError ?? ''}; ${outcome}\n`;
}

/**
 * The table, one row per proxy; refused snapshots and failing renewals get their reason after it.
 * CONTROL PLANE (istioctl's ISTIOD column) names the replica each streams from, when known.
 */
export function formatProxyStatus(items: readonly ProxyStatus[], now: number): string {
  const replicas = items.some((s) => s.controlPlane !== undefined);
  const rows = items.map((s) => [
    s.pod,
    s.namespace,
    s.ackedVersion ?? '-',
    syncState(s),
    s.lastAckAt === undefined ? 'never' : `${humanDuration(now - Date.parse(s.lastAckAt))} ago`,
    ...(replicas ? [s.controlPlane ?? '-'] : []),
    certificateState(s.certificate, now),
  ]);
  const table = formatTable(
    [
      'NAME',
      'NAMESPACE',
      'VERSION',
      'SYNCED',
      'LAST ACK',
      ...(replicas ? ['CONTROL PLANE'] : []),
      'CERTIFICATE',
    ],
    rows,
  );
  const nacks = items
    .filter((s) => s.nackError !== undefined)
    .map((s) => `${s.pod}.${s.namespace} refused ${s.nackedVersion ?? '?'}: ${s.nackError ?? ''}\n`);
  return table + nacks.join('') + renewalLines(items, now);
}

function renewalLines(
  items: readonly { pod: string; namespace: string; certificate?: ProxyCertificate }[],
  now: number,
): string {
  return items
    .map((s) =>
      s.certificate?.renewalError === undefined
        ? ''
        : renewalTrouble(`${s.pod}.${s.namespace}`, s.certificate, now),
    )
    .join('');
}

/** The sidecars' own report, for when the control plane cannot be asked. */
export function formatSidecarCertificates(items: readonly SidecarCertificate[], now: number): string {
  const rows = items.map((s) => [
    s.pod,
    s.namespace,
    s.certificate === undefined ? 'UNKNOWN' : certificateState(s.certificate, now),
    s.error ?? '',
  ]);
  return formatTable(['NAME', 'NAMESPACE', 'CERTIFICATE', 'ERROR'], rows) + renewalLines(items, now);
}

/** Keeps the proxies matching `POD`, `POD.NS` and `-n NS`. */
function select<T extends { pod: string; namespace: string }>(
  items: T[],
  target: string | undefined,
  namespace: string | undefined,
): T[] {
  return items.filter((s) => {
    if (namespace !== undefined && s.namespace !== namespace) return false;
    if (target === undefined) return true;
    return s.pod === target || `${s.pod}.${s.namespace}` === target;
  });
}

/** The API server could not be reached at all (refused, timed out), as opposed to answering badly. */
class ControlPlaneUnreachable extends Error {
  constructor(server: string, cause: unknown) {
    super(`the control plane at ${server} is unreachable (${fetchFailure(cause)})`, { cause });
  }
}

async function fetchStatus(): Promise<ProxyStatusList> {
  const client = await ApiClient.fromStateDir(stateDir());
  try {
    return await client.getPath<ProxyStatusList>(PROXY_STATUS_PATH, { timeoutMs: FETCH_TIMEOUT_MS });
  } catch (err) {
    if (!(err instanceof ApiClientError)) throw err;
    if (err.code === 'AUTOMESH_ERR_CLIENT_UNREACHABLE')
      throw new ControlPlaneUnreachable(client.server, err.cause);
    if (err.notFound) throw new Error('this control plane does not report proxy status', { cause: err });
    throw err;
  }
}

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseFlags(args, FLAGS);
    if (flagBool(parsed, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, summary, FLAGS));
      return 0;
    }
    if (parsed.positionals.length > 1)
      throw new Error(`expected at most one pod, got ${parsed.positionals.length}`);
    const output = flagString(parsed, 'output') ?? 'table';
    if (output !== 'table' && output !== 'json')
      throw new Error(`unknown output format "${output}" (table|json)`);
    const target = parsed.positionals[0];
    const namespace = flagString(parsed, 'namespace');
    let list: ProxyStatusList;
    try {
      list = await fetchStatus();
    } catch (error) {
      if (!(error instanceof ControlPlaneUnreachable)) throw error;
      return reportFromSidecars(
        error,
        select(await askSidecarsForCertificates(stateDir()), target, namespace),
        output,
      );
    }
    const items = select(list.items, target, namespace);
    for (const replica of list.unreachableReplicas ?? []) {
      process.stderr.write(
        `warning: the control-plane replica at ${replica.controlPlane} did not answer (${replica.error}); its sidecars are not listed\n`,
      );
    }
    if (output === 'json') process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
    else if (items.length === 0) process.stderr.write('No sidecars are connected.\n');
    else process.stdout.write(formatProxyStatus(items, nowMs()));
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

/** Says the control plane is away (exit 1) and shows the sidecars' own report meanwhile. */
function reportFromSidecars(
  error: ControlPlaneUnreachable,
  items: SidecarCertificate[],
  output: string,
): number {
  process.stderr.write(
    `error: ${error.message}; ${items.length === 0 ? 'no local sidecar to ask either' : "showing the sidecars' own report"}\n`,
  );
  if (output === 'json') process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  else if (items.length > 0) process.stdout.write(formatSidecarCertificates(items, nowMs()));
  return 1;
}
