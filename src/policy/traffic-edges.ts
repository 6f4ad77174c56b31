// `automesh x edges`: who talks to whom and how, from what the sidecars observed (behaviour.md
// "Migration safety", observed traffic; Linkerd's `viz edges`, with reasons). One edge per
// (source workload, destination workload, port, how it arrived): the server side says how each
// connection came (mTLS with the client's identity, plaintext, TLS without the mesh ALPN,
// refused); the client side, when the source has a sidecar, says why it sent what it sent (the
// policy engine's reason), and alone tells of servers without a sidecar (nothing there records
// arrivals), plaintext or refused by a require-mTLS client. Pure: observations and naming in,
// edges out.
import type { PeerArrival } from './strict-readiness.js';

/** The pod that owns an address, as edges name it. */
export interface EdgeEnd {
  namespace: string;
  workload: string;
  hasSidecar: boolean;
}

/** One peer record of one server port (a server sidecar's /peers). */
export interface ServerPeer {
  server: { namespace: string; workload: string; address: string; port: number; identity: string };
  arrival: PeerArrival;
  /** SPIFFE ID for mTLS, the address otherwise. */
  peer: string;
  address: string;
  requests: number;
  lastSeen: number;
  reason?: string;
  shadow?: { reason: string; policy: string };
}

/** What a client sidecar sent to one endpoint and why (its /destinations). */
export interface ClientSent {
  /** The client pod's address: what the server saw. */
  from: string;
  /** The endpoint's address and workload port. */
  address: string;
  port: number;
  sent: string;
  reason: string;
  /** Requests sent (or refused) in the window, and when last: for servers that see nothing. */
  requests: number;
  lastSeen: number;
}

export type Transport = 'mTLS' | 'plaintext' | 'TLS (no mesh ALPN)' | 'refused';

export interface Edge {
  /** `sleep.legacy`, or the address when no pod owns it. */
  source: string;
  sourceNamespace: string | undefined;
  /** `httpbin.full` */
  destination: string;
  destinationNamespace: string;
  port: number;
  transport: Transport;
  /** The client's SPIFFE ID for mTLS; `-` otherwise. */
  sourceIdentity: string;
  destinationIdentity: string;
  requests: number;
  lastSeen: number;
  /** Why it travels so: the client's policy reason, or what the server saw. */
  why: string;
}

const TRANSPORT: Record<PeerArrival, Transport> = {
  mtls: 'mTLS',
  plaintext: 'plaintext',
  'tls-passthrough': 'TLS (no mesh ALPN)',
  refused: 'refused',
};

function whyOf(peer: ServerPeer, source: EdgeEnd | undefined, sent: ClientSent | undefined): string {
  const parts: string[] = [];
  if (peer.arrival === 'refused') parts.push(`refused by the server: ${peer.reason ?? 'unknown'}`);
  else if (sent !== undefined) parts.push(sent.reason);
  else if (source === undefined) parts.push('source is not a mesh pod');
  else if (!source.hasSidecar) parts.push('client has no sidecar');
  else if (peer.arrival !== 'mtls') parts.push('sent by the client sidecar without mTLS');
  if (peer.shadow !== undefined)
    parts.push(`shadow policy ${peer.shadow.policy} would refuse it (${peer.shadow.reason})`);
  return parts.join('; ');
}

export function trafficEdges(
  peers: readonly ServerPeer[],
  sent: readonly ClientSent[],
  podOf: (address: string) => EdgeEnd | undefined,
): Edge[] {
  // A client may have sent several ways to one endpoint (a policy changed): one record per way.
  const sentBy = new Map(sent.map((s) => [`${s.from}|${s.address}:${s.port}|${s.sent}`, s]));
  const edges = new Map<string, Edge>();
  for (const peer of peers) {
    const source = podOf(peer.address);
    const endpoint = `${peer.address}|${peer.server.address}:${peer.server.port}`;
    const clientRecord = SENT_AS[peer.arrival]
      .map((mode) => sentBy.get(`${endpoint}|${mode}`))
      .find((r) => r !== undefined);
    const name = source === undefined ? peer.address : `${source.workload}.${source.namespace}`;
    const destination = `${peer.server.workload}.${peer.server.namespace}`;
    const transport = TRANSPORT[peer.arrival];
    const why = whyOf(peer, source, clientRecord);
    const key = `${name}|${destination}|${peer.server.port}|${transport}|${why}`;
    const found = edges.get(key);
    if (found !== undefined) {
      found.requests += peer.requests;
      found.lastSeen = Math.max(found.lastSeen, peer.lastSeen);
      continue;
    }
    edges.set(key, {
      source: name,
      sourceNamespace: source?.namespace,
      destination,
      destinationNamespace: peer.server.namespace,
      port: peer.server.port,
      transport,
      sourceIdentity: peer.arrival === 'mtls' ? peer.peer : '-',
      destinationIdentity: peer.arrival === 'mtls' ? peer.server.identity : '-',
      requests: peer.requests,
      lastSeen: peer.lastSeen,
      why,
    });
  }
  // Servers without a sidecar observe nothing: their clients' sidecars tell.
  for (const s of sent) {
    const server = podOf(s.address);
    const source = podOf(s.from);
    if (server === undefined || server.hasSidecar || source === undefined) continue;
    const refused = s.sent === 'REFUSE';
    const edge: Edge = {
      source: `${source.workload}.${source.namespace}`,
      sourceNamespace: source.namespace,
      destination: `${server.workload}.${server.namespace}`,
      destinationNamespace: server.namespace,
      port: s.port,
      transport: refused ? 'refused' : s.sent === 'DISABLE' ? 'plaintext' : 'TLS (no mesh ALPN)',
      sourceIdentity: '-',
      destinationIdentity: '-',
      requests: s.requests,
      lastSeen: s.lastSeen,
      why: refused ? `refused by the client sidecar: ${s.reason}` : s.reason,
    };
    const key = `${edge.source}|${edge.destination}|${edge.port}|${edge.transport}|${edge.why}`;
    const found = edges.get(key);
    if (found === undefined) edges.set(key, edge);
    else {
      found.requests += edge.requests;
      found.lastSeen = Math.max(found.lastSeen, edge.lastSeen);
    }
  }
  return [...edges.values()].sort(
    (a, b) =>
      compare(a.destination, b.destination) ||
      a.port - b.port ||
      compare(a.source, b.source) ||
      compare(a.transport, b.transport),
  );
}

/** What a client sidecar may have sent for the server to see it arrive so. */
const SENT_AS: Record<PeerArrival, string[]> = {
  mtls: ['ISTIO_MUTUAL', 'MUTUAL'],
  plaintext: ['DISABLE'],
  'tls-passthrough': ['SIMPLE', 'MUTUAL'],
  refused: ['DISABLE', 'ISTIO_MUTUAL', 'SIMPLE', 'MUTUAL'],
};

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
