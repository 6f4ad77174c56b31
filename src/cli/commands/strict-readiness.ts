// `automesh x strict-readiness [WORKLOAD] [-n NS] [-o json]`: for every server port of every local
// sidecar, the peers it saw in the observation window (its admin /peers), named by the pod that
// owns their address, and whether STRICT would refuse one of them (policy/strict-readiness).
// Exits 0 when every listed port is SAFE and 1 otherwise, so a pipeline can wait on it before it
// applies STRICT. Asks the sidecars this machine runs (the addresses the runtime recorded).

import { namespaceOf, namespacedName } from '../../api/object-namespace.js';
import { strictReadiness } from '../../policy/index.js';
import type { ObservedPort, PortReadiness } from '../../policy/index.js';
import { loadClient, nowMs } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { observedTraffic, podIndex, workloadOf, type PeersAnswer } from '../observed-traffic.js';
import { formatTable } from '../output/table.js';
import { reportError } from '../output/report-error.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.namespace,
  { name: 'output', short: 'o', type: 'string', usage: 'output format: json (default: table)' },
  COMMON_FLAGS.help,
];
const USAGE = 'automesh x strict-readiness [WORKLOAD] [-n NAMESPACE] [-o json]';

interface Row {
  namespace: string;
  workload: string;
  pod: string;
  /** Undefined when the sidecar could not be asked; `error` says why. */
  readiness?: PortReadiness;
  error?: string;
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

    const index = await podIndex(await loadClient());
    const nameOf = (address: string): string | undefined => {
      const pod = index.byAddress.get(address);
      return pod === undefined ? undefined : namespacedName(pod);
    };
    const traffic = await observedTraffic(index, {
      wanted: (pod) =>
        (namespace === undefined || namespaceOf(pod) === namespace) &&
        (workload === undefined || workloadOf(pod) === workload || pod.metadata.name === workload),
    });
    const now = nowMs();
    const rows: Row[] = traffic.flatMap((sidecar): Row[] => {
      const base = {
        namespace: sidecar.namespace,
        pod: sidecar.pod,
        workload: workloadOf(index.byName.get(`${sidecar.namespace}/${sidecar.pod}`)!),
      };
      const answer = sidecar.peers;
      if (answer === undefined) return [{ ...base, error: sidecar.error ?? 'no answer' }];
      return answer.ports.map((port) => ({
        ...base,
        readiness: strictReadiness(toObserved(port), now, answer.windowSeconds * 1000, nameOf),
      }));
    });

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
