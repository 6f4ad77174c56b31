// The control plane under test, in its own process so its CPU and memory are its own: memory
// store → registry → discovery server (TLS, SVID auth, policy engine). Driven over IPC by run.ts.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import type { DestinationRule, PeerAuthentication } from '../../src/api/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import { MeshRegistry, startDiscoveryServer } from '../../src/controlplane/index.js';
import type { DiscoveryServer } from '../../src/controlplane/index.js';
import { createTestPki } from '../../test/support/discovery-pki.js';
import { benchPods, benchResources } from './topology.js';
import type { ChangeResult, FromControlPlane, Scenario, ToControlPlane } from './messages.js';

let store: MemoryConfigStore;
let registry: MeshRegistry;
let server: DiscoveryServer;

function send(message: FromControlPlane): void {
  process.send?.(message);
}

function memory(): { rssMb: number; heapMb: number } {
  const m = process.memoryUsage();
  return { rssMb: Math.round(m.rss / 2 ** 20), heapMb: Math.round(m.heapUsed / 2 ** 20) };
}

async function start(n: number, debounceMs: number): Promise<void> {
  store = new MemoryConfigStore();
  await store.applyBatch(benchResources(n).map((resource) => ({ op: 'create' as const, resource })));
  const pki = await createTestPki();
  registry = new MeshRegistry({ store });
  await registry.start();
  server = await startDiscoveryServer({
    source: registry,
    tls: pki.serving,
    trustDomain: 'cluster.local',
    debounceMs,
  });
  const accounts = new Map(benchPods(n).map((p) => [`${p.namespace}/${p.serviceAccount}`, p]));
  const svids: Record<string, { privateKeyPem: string; certChainPem: string[] }> = {};
  for (const [key, p] of accounts) {
    const svid = await pki.svid(p.namespace, p.serviceAccount);
    svids[key] = { privateKeyPem: svid.privateKeyPem, certChainPem: svid.certChainPem };
  }
  send({ type: 'ready', address: server.address, rootPem: pki.rootPem, svids });
}

async function awaitSynced(count: number): Promise<void> {
  const started = Date.now();
  while (server.proxyStatus().length < count) await new Promise((r) => setTimeout(r, 50));
  const result = await server.waitForConvergence({ timeoutMs: 120_000 });
  send({ type: 'synced', converged: result.converged, ms: Date.now() - started, memory: memory() });
}

function changeFor(scenario: Scenario, trial: number): DestinationRule | PeerAuthentication {
  if (scenario === 'namespace-dr') {
    return {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'bench', namespace: 'ns0' },
      spec: {
        host: 'svc0.ns1.svc.cluster.local',
        trafficPolicy: { tls: { mode: trial % 2 === 0 ? 'DISABLE' : 'ISTIO_MUTUAL' } },
      },
    };
  }
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'PeerAuthentication',
    metadata: { name: 'default', namespace: 'istio-system' },
    spec: { mtls: { mode: trial % 2 === 0 ? 'STRICT' : 'PERMISSIVE' } },
  };
}

/** BENCH_CPU_PROFILE=file: a V8 CPU profile of the changes (not of the start-up) is written there. */
const profileFile = process.env['BENCH_CPU_PROFILE'];
const inspector = profileFile === undefined ? undefined : new Session();
let profiling = false;

async function post(method: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    inspector?.post(method, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

async function change(scenario: Scenario, trial: number): Promise<void> {
  if (inspector !== undefined && !profiling) {
    profiling = true;
    inspector.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
  }
  const before = new Map(server.proxyStatus().map((s) => [s.id, s.ackedVersion]));
  const cpu = process.cpuUsage();
  const t0 = Date.now();
  await store.applyBatch([{ op: 'apply', resource: changeFor(scenario, trial) }]);
  const result = await server.waitForConvergence({ timeoutMs: 60_000 });
  const elapsed = Date.now() - t0;
  const used = process.cpuUsage(cpu);
  const affected = server.proxyStatus().filter((s) => s.ackedVersion !== before.get(s.id));
  const latencies = affected.map((s) => Date.parse(s.lastAckAt ?? '') - t0).sort((a, b) => a - b);
  const message: ChangeResult = {
    type: 'changed',
    scenario,
    converged: result.converged,
    affected: affected.length,
    proxies: result.proxies,
    lastAckMs: latencies.at(-1) ?? 0,
    medianAckMs: latencies[Math.floor(latencies.length / 2)] ?? 0,
    waitMs: elapsed,
    cpuMs: Math.round((used.user + used.system) / 1000),
    memory: memory(),
  };
  send(message);
}

process.on('message', (message: ToControlPlane) => {
  const run = async (): Promise<void> => {
    if (message.type === 'start') await start(message.n, message.debounceMs);
    else if (message.type === 'await-synced') await awaitSynced(message.count);
    else if (message.type === 'change') await change(message.scenario, message.trial);
    else if (message.type === 'stop') {
      if (profiling && profileFile !== undefined) {
        const { profile } = (await post('Profiler.stop')) as { profile: unknown };
        await writeFile(profileFile, JSON.stringify(profile));
      }
      registry.stop();
      await server.close();
      await store.close();
      process.disconnect();
    }
  };
  run().catch((err: unknown) => {
    process.stderr.write(`control plane: ${String(err)}\n`);
    process.exit(1);
  });
});
