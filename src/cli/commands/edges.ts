// `automesh x edges [-n NS] [-o wide|json]`: source workload → destination workload and port, how
// the traffic travels (mTLS with both identities, plaintext, TLS without the mesh ALPN, refused)
// and why, with requests and last seen in the observation window: Linkerd's `viz edges`, with
// reasons. Reads the local sidecars (observed-traffic.ts); policy/traffic-edges.ts decides.
import { DEFAULT_MESH_SETTINGS, namespaceOf, runsSidecar } from '../../api/index.js';
import { ago, spiffeIdFor, trafficEdges } from '../../policy/index.js';
import type { ClientSent, ServerPeer } from '../../policy/index.js';
import { loadClient, nowMs } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { observedTraffic, podIndex, workloadOf } from '../observed-traffic.js';
import { formatTable } from '../output/table.js';
import { reportError } from '../output/report-error.js';

const FLAGS: FlagSpec[] = [
  COMMON_FLAGS.namespace,
  { name: 'output', short: 'o', type: 'string', usage: 'output format: wide or json (default: table)' },
  COMMON_FLAGS.help,
];
const USAGE = 'automesh x edges [-n NAMESPACE] [-o wide|json]';

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(
        formatFlagHelp(
          USAGE,
          'Who talks to whom, how (mTLS with both identities, or plaintext and why), requests and last seen, from what the sidecars observed in the window.',
          FLAGS,
        ),
      );
      return 0;
    }
    if (flags.positionals.length > 0) throw new Error(`unexpected arguments: ${flags.positionals.join(' ')}`);
    const output = flagString(flags, 'output') ?? '';
    if (!['', 'wide', 'json'].includes(output))
      throw new Error(`unknown output format "${output}" (wide, json)`);
    const namespace = flagString(flags, 'namespace');

    const index = await podIndex(await loadClient());
    const traffic = await observedTraffic(index, { destinations: true });
    const trustDomain = DEFAULT_MESH_SETTINGS.trustDomain;
    const peers: ServerPeer[] = [];
    const sent: ClientSent[] = [];
    for (const sidecar of traffic) {
      const pod = index.byName.get(`${sidecar.namespace}/${sidecar.pod}`)!;
      const address = pod.status?.podIP ?? '';
      const server = {
        namespace: sidecar.namespace,
        workload: workloadOf(pod),
        address,
        identity: spiffeIdFor(trustDomain, sidecar.namespace, pod.spec.serviceAccountName ?? 'default'),
      };
      for (const port of sidecar.peers?.ports ?? []) {
        for (const p of port.peers) {
          peers.push({
            server: { ...server, port: port.port },
            arrival: p.arrival,
            peer: p.peer,
            address: p.address ?? p.peer,
            requests: p.requests ?? p.connections,
            lastSeen: Date.parse(p.lastSeen),
            ...(p.reason === undefined ? {} : { reason: p.reason }),
            ...(p.shadow === undefined ? {} : { shadow: p.shadow }),
          });
        }
      }
      for (const d of sidecar.destinations?.destinations ?? []) {
        sent.push({
          from: address,
          address: d.address,
          port: d.port,
          sent: d.sent,
          reason: d.reason,
          requests: d.requests,
          lastSeen: Date.parse(d.lastSeen),
        });
      }
    }
    const podOf = (address: string) => {
      const pod = index.byAddress.get(address);
      if (pod === undefined) return undefined;
      return { namespace: namespaceOf(pod), workload: workloadOf(pod), hasSidecar: runsSidecar(pod) };
    };
    const edges = trafficEdges(peers, sent, podOf).filter(
      (e) =>
        namespace === undefined || e.destinationNamespace === namespace || e.sourceNamespace === namespace,
    );

    const now = nowMs();
    if (output === 'json') {
      const rows = edges.map((e) => ({ ...e, lastSeen: new Date(e.lastSeen).toISOString() }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (edges.length === 0) process.stdout.write('No edges found.\n');
    else {
      const wide = output === 'wide';
      process.stdout.write(
        formatTable(
          [
            'SRC',
            'DST',
            'PORT',
            'TRANSPORT',
            ...(wide ? ['SRC_IDENTITY', 'DST_IDENTITY'] : []),
            'REQUESTS',
            'LAST SEEN',
            'WHY',
          ],
          edges.map((e) => [
            e.source,
            e.destination,
            String(e.port),
            e.transport,
            ...(wide ? [e.sourceIdentity, e.destinationIdentity] : []),
            String(e.requests),
            ago(now - e.lastSeen),
            e.why === '' ? '-' : e.why,
          ]),
        ),
      );
    }
    return 0;
  } catch (error) {
    return reportError(error);
  }
}
