// `automesh proxy-status [POD[.NS]] [-n NS] [-o json]`: every connected sidecar, the snapshot
// version it runs, whether it is in sync with the control plane, when it last acked (istioctl
// habit) and how its certificate stands (as the sidecar reported it: time left, failing renewals).
// Reads the API server's `/debug/proxy-status` with the admin credential.

import type { ProxyStatus, ProxyStatusList } from '../../controlplane/index.js';
import { PROXY_STATUS_PATH, loadClientConfig } from '../../controlplane/index.js';
import { stateDir, nowMs } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import { humanDuration } from '../output/age.js';
import { formatTable } from '../output/table.js';
import { reportError } from '../output/report-error.js';

const OUTPUT_FLAG = {
  name: 'output',
  short: 'o',
  type: 'string',
  usage: 'output format: table|json',
} as const;
const FLAGS = [COMMON_FLAGS.namespace, OUTPUT_FLAG, COMMON_FLAGS.help];
const USAGE = 'automesh proxy-status [POD[.NAMESPACE]] [-n NAMESPACE] [-o table|json]';
export const summary = 'Show whether each sidecar has the latest config (istioctl proxy-status)';
const FETCH_TIMEOUT_MS = 10_000;

/** SYNCED, NACKED (refused the latest), STALE (latest sent, not acked yet) or NOT SENT. */
export function syncState(status: ProxyStatus): string {
  if (status.synced) return 'SYNCED';
  if (status.desiredVersion === undefined) return 'NOT SENT';
  if (status.nackedVersion === status.desiredVersion) return 'NACKED';
  return 'STALE';
}

/** VALID 23h, RENEWAL FAILING 40s left, EXPIRED 5s ago, or - before the sidecar reported one. */
export function certificateState(status: ProxyStatus, now: number): string {
  const cert = status.certificate;
  if (cert === undefined) return '-';
  const left = Date.parse(cert.notAfter) - now;
  if (left <= 0) return `EXPIRED ${humanDuration(-left)} ago`;
  if (cert.renewalError !== undefined) return `RENEWAL FAILING ${humanDuration(left)} left`;
  return `VALID ${humanDuration(left)}`;
}

/** One line for a sidecar whose certificate renewals fail: since when, why, and what is left. */
function renewalTrouble(status: ProxyStatus, now: number): string {
  const cert = status.certificate!;
  const left = Date.parse(cert.notAfter) - now;
  const since =
    cert.renewalFailingSince === undefined
      ? ''
      : ` for ${humanDuration(now - Date.parse(cert.renewalFailingSince))}`;
  const count = cert.renewalFailures === undefined ? '' : ` (${cert.renewalFailures} in a row)`;
  const outcome =
    left > 0 ? `it expires in ${humanDuration(left)}` : 'it has expired: STRICT peers refuse it';
  return `${status.pod}.${status.namespace}: certificate renewal failing${since}${count}: ${cert.renewalError ?? ''}; ${outcome}\n`;
}

/** The table, one row per proxy; refused snapshots and failing renewals get their reason after it. */
export function formatProxyStatus(items: readonly ProxyStatus[], now: number): string {
  const rows = items.map((s) => [
    s.pod,
    s.namespace,
    s.ackedVersion ?? '-',
    syncState(s),
    s.lastAckAt === undefined ? 'never' : `${humanDuration(now - Date.parse(s.lastAckAt))} ago`,
    certificateState(s, now),
  ]);
  const table = formatTable(['NAME', 'NAMESPACE', 'VERSION', 'SYNCED', 'LAST ACK', 'CERTIFICATE'], rows);
  const nacks = items
    .filter((s) => s.nackError !== undefined)
    .map((s) => `${s.pod}.${s.namespace} refused ${s.nackedVersion ?? '?'}: ${s.nackError ?? ''}\n`);
  const renewals = items
    .filter((s) => s.certificate?.renewalError !== undefined)
    .map((s) => renewalTrouble(s, now));
  return table + nacks.join('') + renewals.join('');
}

/** Keeps the proxies matching `POD`, `POD.NS` and `-n NS`. */
function select(
  items: ProxyStatus[],
  target: string | undefined,
  namespace: string | undefined,
): ProxyStatus[] {
  return items.filter((s) => {
    if (namespace !== undefined && s.namespace !== namespace) return false;
    if (target === undefined) return true;
    return s.pod === target || `${s.pod}.${s.namespace}` === target;
  });
}

async function fetchStatus(): Promise<ProxyStatusList> {
  const config = await loadClientConfig(stateDir());
  if (config.server === '')
    throw new Error('no API server is recorded: is the control plane up? (automesh up)');
  const url = `${config.server.replace(/\/+$/, '')}${PROXY_STATUS_PATH}`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${config.token}` },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (response.status === 404) throw new Error('this control plane does not report proxy status');
  if (!response.ok) throw new Error(`the API server answered ${response.status} for ${PROXY_STATUS_PATH}`);
  return (await response.json()) as ProxyStatusList;
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
    const list = await fetchStatus();
    const items = select(list.items, parsed.positionals[0], flagString(parsed, 'namespace'));
    if (output === 'json') process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
    else if (items.length === 0) process.stderr.write('No sidecars are connected.\n');
    else process.stdout.write(formatProxyStatus(items, nowMs()));
    return 0;
  } catch (error) {
    return reportError(error);
  }
}
