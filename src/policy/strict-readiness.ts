// Whether a server port can go STRICT without breaking anyone (behaviour.md "Migration safety",
// readiness for STRICT), from what its sidecar saw in the observation window. Pure: the CLI
// gathers the observations and the pods, this decides.
//   SAFE      every peer in the window came with mTLS, and the port has been watched for a whole
//             window since its mode last changed; a port already STRICT is SAFE (it lists what it
//             refused, since those clients are failing already).
//   NOT SAFE  some peer came in plaintext, with TLS without the mesh ALPN, or was refused, or a
//             shadow policy (automesh.io/enforcement: shadow) would have refused it.
//   UNKNOWN   watched for less than a window: a client that calls once an hour may not have shown.
import type { ServerMode } from '../api/index.js';
import { windowText } from './observed-breaks.js';

export type PeerArrival = 'mtls' | 'plaintext' | 'tls-passthrough' | 'refused';

export interface ObservedPeerRecord {
  arrival: PeerArrival;
  /** A SPIFFE ID for mTLS; a source address otherwise. */
  peer: string;
  /** The source address, for mTLS peers too (it names the pod). */
  address?: string;
  connections: number;
  /** HTTP requests (one per connection for TCP and refusals) in the window. */
  requests: number;
  reason?: string;
  /** Connections a shadow policy's mode would have refused, and why. */
  shadow?: { refusals: number; reason: string; policy: string };
  lastSeen: number;
}

export interface ObservedPort {
  port: number;
  mode: ServerMode | 'unknown';
  /** Since when this sidecar has watched the port under its current mode (ms since the epoch). */
  observedSince: number;
  peers: ObservedPeerRecord[];
}

/** How a source address reads to people: the pod that owns it, when one does. */
export type NameAddress = (address: string) => string | undefined;

export type Verdict = 'SAFE' | 'NOT SAFE' | 'UNKNOWN';

export interface PortReadiness {
  port: number;
  mode: ServerMode | 'unknown';
  verdict: Verdict;
  /** `SAFE since …`, `NOT SAFE: 1 plaintext client (legacy/sleep-…, 12 connections, last 20s ago)`. */
  summary: string;
  /** The peers that make it unsafe (or, for STRICT, those it refused), named. */
  blockers: {
    arrival: PeerArrival;
    who: string;
    connections: number;
    requests: number;
    lastSeen: number;
    reason?: string;
    shadow?: { refusals: number; reason: string; policy: string };
  }[];
  mtlsPeers: number;
}

const KIND_WORDS: Record<PeerArrival, string> = {
  mtls: 'mTLS client',
  plaintext: 'plaintext client',
  'tls-passthrough': 'client with TLS but not the mesh ALPN',
  refused: 'refused client',
};

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s ago`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m}m ago` : `${Math.round(m / 60)}h ago`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function strictReadiness(
  port: ObservedPort,
  now: number,
  windowMs: number,
  nameOf: NameAddress,
): PortReadiness {
  const recent = port.peers.filter((p) => p.lastSeen >= now - windowMs);
  const mtlsPeers = recent.filter((p) => p.arrival === 'mtls').length;
  const blockers = recent
    .filter((p) => p.arrival !== 'mtls' || p.shadow !== undefined)
    .map((p) => ({
      arrival: p.arrival,
      who: nameOf(p.address ?? p.peer) ?? p.peer,
      connections: p.connections,
      requests: p.requests,
      lastSeen: p.lastSeen,
      ...(p.reason === undefined ? {} : { reason: p.reason }),
      ...(p.shadow === undefined ? {} : { shadow: p.shadow }),
    }));
  const base = { port: port.port, mode: port.mode, blockers, mtlsPeers };
  const listed = blockers
    .map((b) => {
      const shadow =
        b.shadow === undefined
          ? ''
          : `, would have been refused by shadow policy ${b.shadow.policy} (${b.shadow.reason}, ${plural(b.shadow.refusals, 'connection')})`;
      return `${b.who}, ${plural(b.requests, 'request')}, last ${ago(now - b.lastSeen)}${shadow}`;
    })
    .join('; ');
  if (port.mode === 'STRICT') {
    const refused = blockers.length === 0 ? '' : `; refused ${plural(blockers.length, 'client')} (${listed})`;
    return { ...base, verdict: 'SAFE', summary: `SAFE: already STRICT${refused}` };
  }
  if (blockers.length > 0) {
    const kinds = [...new Set(blockers.map((b) => b.arrival))];
    const counted = kinds
      .map((k) => plural(blockers.filter((b) => b.arrival === k).length, KIND_WORDS[k]))
      .join(', ');
    return { ...base, verdict: 'NOT SAFE', summary: `NOT SAFE: ${counted} (${listed})` };
  }
  const watched = now - port.observedSince;
  if (watched < windowMs) {
    return {
      ...base,
      verdict: 'UNKNOWN',
      summary: `UNKNOWN: watched for ${ago(watched).replace(' ago', '')} of a ${windowText(windowMs)} window (${plural(mtlsPeers, 'mTLS peer')} so far)`,
    };
  }
  return {
    ...base,
    verdict: 'SAFE',
    summary: `SAFE since ${new Date(port.observedSince).toISOString()} (${plural(mtlsPeers, 'mTLS peer')})`,
  };
}
