// behaviour.md "Migration safety", warnings: a write warns about each observed client → server
// pair it would make fail, in kubectl's admission-warning form. Pure: states and observations in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../src/api/index.js';
import { formatObservedBreak, observedBreaks } from '../../src/policy/index.js';
import type { MeshState, ServerPortTraffic } from '../../src/policy/index.js';
import { destinationRule, peerAuthentication, pod, policy, seedState } from './mesh-builders.js';

const WINDOW = 10 * 60_000;
const workloadOf = (_ns: string, name: string): string => name.replace(/-[0-9a-f]{10}-\d+$/, '');
const STRICT_FULL = peerAuthentication('full', 'strict', { mtls: { mode: 'STRICT' } });
const DISABLE_HTTPBIN = policy('full', 'httpbin', { targets: [{ name: 'httpbin' }] });
const MUTUAL_HTTPBIN = destinationRule('full', 'httpbin', {
  host: 'httpbin.full.svc.cluster.local',
  trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
});

/** What httpbin.full's sidecar saw on port 80: `requests` from each client deployment's pod. */
function seen(state: MeshState, from: Record<string, number>): ServerPortTraffic[] {
  const httpbin = pod(state, 'full', 'httpbin');
  return [
    {
      namespace: 'full',
      pod: httpbin.name,
      port: 80,
      peers: Object.entries(from).map(([ref, requests]) => {
        const [ns, name] = ref.split('/');
        return { address: pod(state, ns!, name!).address, requests };
      }),
    },
  ];
}

function warnings(before: Resource[], steps: Resource[][], traffic: Record<string, number>, settings = {}) {
  const start = seedState(before);
  const states = steps.map((extra, i) => ({
    object: `object-${i}`,
    state: seedState([...before, ...extra], i === steps.length - 1 ? settings : {}),
  }));
  return observedBreaks(start, states, seen(start, traffic), workloadOf).map((b) =>
    formatObservedBreak(b, WINDOW),
  );
}

describe('warnings before a write breaks observed traffic', () => {
  const cases: {
    name: string;
    before?: Resource[];
    steps: Resource[][];
    traffic: Record<string, number>;
    settings?: object;
    lines: string[];
  }[] = [
    {
      name: 'STRICT while a plaintext client is seen: that pair, with its requests',
      steps: [[STRICT_FULL]],
      traffic: { 'legacy/sleep': 12, 'full/sleep': 30 },
      lines: [
        'Warning: object-0: sleep.legacy → httpbin.full:80 would fail: plaintext to a STRICT port (80) (12 requests in the last 10m)',
      ],
    },
    {
      name: 'STRICT with the plaintext client not seen in the window: nothing to warn about',
      steps: [[STRICT_FULL]],
      traffic: { 'full/sleep': 30 },
      lines: [],
    },
    {
      name: "the seed's 503 step: a DestinationRule ISTIO_MUTUAL to a DISABLE server",
      before: [DISABLE_HTTPBIN],
      steps: [[MUTUAL_HTTPBIN]],
      traffic: { 'full/sleep': 1, 'legacy/sleep': 4 },
      lines: [
        'Warning: object-0: sleep.full → httpbin.full:80 would fail: mTLS to a DISABLE port (80) (1 request in the last 10m)',
      ],
    },
    {
      name: 'auto mTLS off while the server is STRICT: every meshed client seen',
      before: [STRICT_FULL],
      steps: [[]],
      settings: { autoMtls: false },
      traffic: { 'full/sleep': 7 },
      lines: [
        'Warning: object-0: sleep.full → httpbin.full:80 would fail: plaintext to a STRICT port (80) (7 requests in the last 10m)',
      ],
    },
    {
      name: 'a write of several objects names the one that breaks the pair',
      steps: [[MUTUAL_HTTPBIN], [MUTUAL_HTTPBIN, STRICT_FULL]],
      traffic: { 'legacy/sleep': 2 },
      lines: [
        'Warning: object-1: sleep.legacy → httpbin.full:80 would fail: plaintext to a STRICT port (80) (2 requests in the last 10m)',
      ],
    },
    {
      name: 'a write that fixes what it breaks warns about nothing',
      before: [DISABLE_HTTPBIN],
      steps: [[MUTUAL_HTTPBIN], []],
      traffic: { 'full/sleep': 3 },
      lines: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(warnings(c.before ?? [], c.steps, c.traffic, c.settings), c.lines);
    });
  }
});
