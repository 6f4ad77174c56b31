// Policy engine benchmark: one sidecar's snapshot and a full rebuild for every proxy on a
// generated mesh (default 1,000 services × 5 endpoints, 5,000 sidecar proxies).
//   node --import tsx bench/policy/run.ts [--namespaces 50] [--services 20] [--endpoints 5] [--samples 50]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SnapshotBuilder, buildProxySnapshot } from '../../src/policy/index.js';
import { generateMesh } from './generate-mesh.js';

const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '50' },
    services: { type: 'string', default: '20' },
    endpoints: { type: 'string', default: '5' },
    samples: { type: 'string', default: '50' },
  },
});
const shape = {
  namespaces: Number(values.namespaces),
  servicesPerNamespace: Number(values.services),
  endpointsPerService: Number(values.endpoints),
};
const samples = Number(values.samples);

/** CPU milliseconds (user + system) of this process, next to wall time: on a shared machine the
 * wall figure includes time spent waiting for a core. */
const cpu: number[] = [];

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const startCpu = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(startCpu);
  cpu.push((used.user + used.system) / 1000);
  return [result, performance.now() - start];
}

function p50max(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  return `p50 ${p50.toFixed(2)} ms, max ${max.toFixed(2)} ms`;
}

/** Wall and CPU figures of the last `n` timings. */
function stats(ms: number[]): string {
  const cpuMs = cpu.slice(-ms.length);
  return `wall ${p50max(ms)}; cpu ${p50max(cpuMs)} (n=${ms.length})`;
}

const [state, generateMs] = time(() => generateMesh(shape));
const proxies = state.workloads.filter((w) => w.hasSidecar);
const endpoints = state.workloads.length;
console.log(
  `mesh: ${state.services.length} services, ${endpoints} pods, ${proxies.length} sidecar proxies, ` +
    `${state.peerAuthentications.length} PeerAuthentication, ${state.policies.length} Policy, ${state.destinationRules.length} DestinationRule (generated in ${generateMs.toFixed(0)} ms)`,
);

// A spread of proxies across namespaces.
const sample = Array.from(
  { length: samples },
  (_, i) => proxies[Math.floor((i * proxies.length) / samples)]!,
);

const [builder, indexMs] = time(() => new SnapshotBuilder(state));
console.log(`index build: ${stats([indexMs])}`);

// Warm: the builder (index) exists; each sampled proxy is in a namespace not built before.
const warm = sample.map((w) => time(() => builder.snapshot(w))[1]);
console.log(`one snapshot, index built, first proxy of its namespace: ${stats(warm)}`);
const sibling = sample.map((w) => time(() => builder.snapshot(w))[1]);
console.log(`one snapshot, namespace already built: ${stats(sibling)}`);
const cold = sample.slice(0, Math.min(10, samples)).map((w) => time(() => buildProxySnapshot(state, w))[1]);
console.log(`one snapshot from scratch (buildProxySnapshot, index included): ${stats(cold)}`);

const sizes = builder.snapshot(sample[0]!);
console.log(
  `snapshot size: ${(JSON.stringify(sizes).length / 1024).toFixed(0)} KiB JSON, ${sizes?.outbound.length} services`,
);

const rebuilds: number[] = [];
for (let i = 0; i < 3; i++) rebuilds.push(time(() => new SnapshotBuilder(state).all())[1]);
console.log(`full rebuild, all ${proxies.length} proxies (buildAllSnapshots): ${stats(rebuilds)}`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
