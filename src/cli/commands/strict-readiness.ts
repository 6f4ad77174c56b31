// `automesh x strict-readiness [WORKLOAD] [-n NS] [-o json]`: for every server port of every local
// sidecar, the peers it saw in the observation window (its admin /peers), named by the pod that
// owns their address, and whether STRICT would refuse one of them (policy/strict-readiness).
// Exits 0 when every listed port is SAFE and 1 otherwise, so a pipeline can wait on it before it
// applies STRICT. Asks the sidecars this machine runs (the addresses the runtime recorded).

import type { Pod } from '../../api/index.js';
import { findKind } from '../../api/kinds.js';
import { strictReadiness } from '../../policy/index.js';
import type { ObservedPort, PortReadiness } from '../../policy/index.js';
import { loadClient, nowMs, stateDir } from '../context.js';
import { fetchFailure } from '../fetch-failure.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { formatTable } from '../output/table.js';
import { reportError } from '../output/report-error.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.namespace,
  { name: 'output', short: 'o', type: 'string', usage: 'output format: json (default: table)' },
  COMMON_FLAGS.help,
];
const USAGE = 'automesh x strict-readiness [WORKLOAD] [-n NAMESPACE] [-o json]';
const ADMIN_TIMEOUT_MS = 2000;

interface PeersAnswer {
  windowSeconds: number;
  ports: {
    port: number;
    mode: ObservedPort['mode'];
    observedSince: string;
    peers: {
      arrival: ObservedPort['peers'][number]['arrival'];
      peer: string;
      address?: string;
      connections: number;
      requests?: number;
      reason?: string;
      shadow?: { refusals: number; reason: string; policy: string };
      lastSeen: string;
    }[];
  }[];
}

interface Row {
  namespace: string;
  workload: string;
  pod: string;
  /** Undefined when the sidecar could not be asked; `error` says why. */
  readiness?: PortReadiness;
  error?: string;
}

/** The Deployment that owns a pod, else the pod itself: what people call the workload. */
function workloadOf(pod: Pod): string {
  return pod.metadata.ownerReferences?.find((o) => o.controller === true)?.name ?? pod.metadata.name;
}

async function askPeers(adminAddress: string): Promise<PeersAnswer> {
  const response = await fetch(`http://${adminAddress}/peers`, {
    signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`admin port answered ${response.status}`);
  return (await response.json()) as PeersAnswer;
}

function toObserved(port: PeersAnswer['ports'][number]): ObservedPort {
  return {
    port: port.port,
    mode: port.mode,
    observedSince: Date.parse(port.observedSince),
    peers: port.peers.map((p) => ({
      arrival: p.arrival,
      peer: p.peer,
      ...(p.address === undefined ? {} : { address: p.address }),
      connections: p.connections,
      // A sidecar from before request counts: its connections are the best count there is.
      requests: p.requests ?? p.connections,
      lastSeen: Date.parse(p.lastSeen),
      ...(p.reason === undefined ? {} : { reason: p.reason }),
      ...(p.shadow === undefined ? {} : { shadow: p.shadow }),
    })),
  };
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(
        formatFlagHelp(
          USAGE,
          'Per server port: the peers its sidecar saw in the observation window and whether STRICT would refuse one (exit 1 when any port is not SAFE).',
          FLAGS,
        ),
      );
      return 0;
    }
    const [workload, ...extra] = flags.positionals;
    if (extra.length > 0) throw new Error(`at most one workload: ${USAGE}`);
    const output = flagString(flags, 'output') ?? '';
    if (output !== '' && output !== 'json') throw new Error(`unknown output format "${output}" (json)`);
    const namespace = flagString(flags, 'namespace');

    const podKind = findKind('pods');
    if (podKind === undefined) throw new Error('pods are not a known kind');
    const pods = (await (await loadClient()).list(podKind, {})) as unknown as Pod[];
    const byAddress = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, p]));
    const nameOf = (address: string): string | undefined => {
      const pod = byAddress.get(address);
      return pod === undefined ? undefined : `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    };
    const podByName = new Map(
      pods.map((p) => [`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p]),
    );

    const { readSidecarRecords } = await import('../../runtime/index.js');
    const records = readSidecarRecords(stateDir()).filter((r) => {
      if (namespace !== undefined && r.namespace !== namespace) return false;
      const pod = podByName.get(`${r.namespace}/${r.pod}`);
      if (pod === undefined) return false; // a record left behind by a pod that is gone
      return workload === undefined || workloadOf(pod) === workload || r.pod === workload;
    });
    const now = nowMs();
    const rows: Row[] = (
      await Promise.all(
        records.map(async (record): Promise<Row[]> => {
          const base = {
            namespace: record.namespace,
            pod: record.pod,
            workload: workloadOf(podByName.get(`${record.namespace}/${record.pod}`)!),
          };
          try {
            const answer = await askPeers(record.adminAddress);
            return answer.ports.map((port) => ({
              ...base,
              readiness: strictReadiness(toObserved(port), now, answer.windowSeconds * 1000, nameOf),
            }));
          } catch (err) {
            return [{ ...base, error: `sidecar not answering: ${fetchFailure(err)}` }];
          }
        }),
      )
    ).flat();

    if (output === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0) process.stdout.write('No sidecars found.\n');
    else {
      process.stdout.write(
        formatTable(
          ['NAMESPACE', 'WORKLOAD', 'POD', 'PORT', 'MODE', 'VERDICT'],
          rows.map((r) => [
            r.namespace,
            r.workload,
            r.pod,
            r.readiness === undefined ? '-' : String(r.readiness.port),
            r.readiness?.mode ?? '-',
            r.readiness?.summary ?? `UNKNOWN: ${r.error ?? ''}`,
          ]),
        ),
      );
    }
    return rows.length > 0 && rows.every((r) => r.readiness?.verdict === 'SAFE') ? 0 : 1;
  } catch (error) {
    return reportError(error);
  }
}
