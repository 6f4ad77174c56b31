// Two node agents (their own address blocks and state directories) against one control plane's
// store and controllers: a Deployment's replicas spread over both, a nodeSelector is honoured, and
// when one node's agent is cut off (every call fails, no event arrives: its pods keep running) its
// node turns NotReady within the grace period plus one monitor period, its pods leave the
// Endpoints' ready addresses, and after the eviction timeout they are made again on the other node.
// Bounds here are short (grace 1.5 s, eviction 2.5 s) so the test is quick; the defaults are in
// docs/reliability.md.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoints, Node, Pod, Resource } from '../../src/api/index.js';
import { nodeIsReady, podIsReady } from '../../src/api/index.js';
import { ControllerManager } from '../../src/controlplane/index.js';
import { silentLogger } from '../../src/log/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import { startNodeAgent } from '../../src/runtime/index.js';
import type { NodeAgent, RuntimeBackend } from '../../src/runtime/index.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';
import { podProcesses, randomAddressBlock, waitFor } from './support.js';
import { deployment, service } from './workloads.js';

const NS = 'spread';
const GRACE_MS = 1_500;
const PERIOD_MS = 200;
const EVICTION_MS = 2_500;
const HEARTBEAT_MS = 300;

/** A backend that can be cut off: while cut every call fails and no watch event gets through. */
function partitionable(store: RuntimeBackend): RuntimeBackend & { cut(on: boolean): void } {
  let cut = false;
  const guard = <T>(call: () => Promise<T>): Promise<T> =>
    cut ? Promise.reject(new Error('partitioned from the control plane')) : call();
  return {
    cut: (on) => (cut = on),
    list: (kind, options) => guard(() => store.list(kind, options)),
    get: (kind, ns, name) => guard(() => store.get(kind, ns, name)),
    create: (r: Resource) => guard(() => store.create(r)),
    update: (r: Resource) => guard(() => store.update(r)),
    delete: (kind, ns, name) => guard(() => store.delete(kind, ns, name)),
    watch: (options, onEvent) => store.watch(options, (e) => (cut ? undefined : onEvent(e))),
  };
}

describe('two node agents against one control plane', () => {
  const store = new MemoryConfigStore();
  const blocks = { 'node-a': ADDRESS_BLOCKS.twoNodes, 'node-b': randomAddressBlock() };
  const dirs = [
    mkdtempSync(join(tmpdir(), 'automesh-node-a-')),
    mkdtempSync(join(tmpdir(), 'automesh-node-b-')),
  ];
  const backendB = partitionable(store);
  const controllers = new ControllerManager({
    backend: store,
    logger: silentLogger,
    nodeMonitorGraceMs: GRACE_MS,
    nodeMonitorPeriodMs: PERIOD_MS,
    podEvictionTimeoutMs: EVICTION_MS,
  });
  const agents: NodeAgent[] = [];

  const pods = async (app?: string): Promise<Pod[]> =>
    ((await store.list('Pod', { namespace: NS })).items as Pod[]).filter(
      (p) => app === undefined || p.metadata.labels?.['app'] === app,
    );
  const node = async (name: string): Promise<Node> => (await store.get('Node', undefined, name)) as Node;
  const on = (list: Pod[], name: string): Pod[] => list.filter((p) => p.spec.nodeName === name);

  before(async () => {
    await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    controllers.start();
    const common = {
      isRoot: false,
      heartbeatMs: HEARTBEAT_MS,
      backoff: { initialMs: 100, maxMs: 400 },
      stopGraceMs: 1000,
    };
    agents.push(
      await startNodeAgent({
        ...common,
        backend: store,
        stateDir: dirs[0]!,
        nodeName: 'node-a',
        addressBlock: blocks['node-a'],
        labels: { zone: 'a' },
      }),
      await startNodeAgent({
        ...common,
        backend: backendB,
        stateDir: dirs[1]!,
        nodeName: 'node-b',
        addressBlock: blocks['node-b'],
        labels: { zone: 'b' },
      }),
    );
    await store.create(deployment('web', NS, { replicas: 4 }));
    await store.create(service('web', NS, 8000, 80));
    await store.create(deployment('pinned', NS, { replicas: 2, nodeSelector: { zone: 'b' } }));
  });

  after(async () => {
    backendB.cut(false);
    await controllers.stop();
    for (const agent of agents) await agent.stop();
    await store.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const block of Object.values(blocks))
      assert.deepEqual(podProcesses(`127.${block}.`), [], 'no pod process left');
  });

  it('registers both nodes Ready with their own pod ranges', async () => {
    for (const [name, block] of Object.entries(blocks)) {
      const n = await node(name);
      assert.equal(nodeIsReady(n), true, name);
      assert.equal(n.spec?.podCIDR, `127.${block}.0.0/16`);
      assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], name);
      assert.deepEqual(n.status?.addresses?.[0], { type: 'InternalIP', address: '127.0.0.1' });
    }
  });

  it("spreads a Deployment's replicas over both nodes, each pod on its node's range", async () => {
    const web = await waitFor('4 web pods Ready', async () => {
      const list = await pods('web');
      return list.length === 4 && list.every(podIsReady) && list;
    });
    for (const [name, block] of Object.entries(blocks)) {
      const mine = on(web, name);
      assert.equal(mine.length, 2, `two replicas on ${name}`);
      for (const p of mine)
        assert.ok(p.status?.podIP?.startsWith(`127.${block}.`), `${p.metadata.name} ${p.status?.podIP}`);
    }
    const endpoints = await waitFor('4 ready endpoints', async () => {
      const ep = (await store.get('Endpoints', NS, 'web')) as Endpoints | undefined;
      return ep?.subsets?.[0]?.addresses?.length === 4 && ep;
    });
    assert.deepEqual(endpoints.subsets?.[0]?.addresses?.map((a) => a.nodeName).sort(), [
      'node-a',
      'node-a',
      'node-b',
      'node-b',
    ]);
  });

  it('honours nodeSelector', async () => {
    const pinned = await waitFor('pinned pods Ready', async () => {
      const list = await pods('pinned');
      return list.length === 2 && list.every(podIsReady) && list;
    });
    assert.deepEqual(
      pinned.map((p) => p.spec.nodeName),
      ['node-b', 'node-b'],
    );
  });

  it('turns a node whose heartbeats stop NotReady within the bound, takes its pods out of Endpoints, and after the eviction timeout runs them on the other node', async () => {
    const before = await pods('web');
    const onB = on(before, 'node-b').map((p) => p.metadata.name);
    const cutAt = Date.now();
    backendB.cut(true);
    await waitFor('node-b NotReady', async () => !nodeIsReady(await node('node-b')), 10_000);
    const notReadyAfterMs = Date.now() - cutAt;
    // The last heartbeat may have been written just before the cut: grace + monitor period + one heartbeat.
    assert.ok(
      notReadyAfterMs <= GRACE_MS + PERIOD_MS + HEARTBEAT_MS + 500,
      `NotReady after ${notReadyAfterMs} ms`,
    );
    assert.equal((await node('node-b')).status?.conditions?.[0]?.status, 'Unknown');

    const ep = await waitFor('only node-a pods ready in Endpoints', async () => {
      const e = (await store.get('Endpoints', NS, 'web')) as Endpoints | undefined;
      const ready = e?.subsets?.[0]?.addresses ?? [];
      return ready.length === 2 && ready.every((a) => a.nodeName === 'node-a') && e;
    });
    assert.deepEqual(
      ep.subsets?.[0]?.notReadyAddresses?.map((a) => a.targetRef?.name).sort(),
      [...onB].sort(),
      "node-b's pods are listed as not ready",
    );

    const moved = await waitFor(
      '4 web pods Ready on node-a',
      async () => {
        const list = await pods('web');
        return list.length === 4 && list.every((p) => p.spec.nodeName === 'node-a' && podIsReady(p)) && list;
      },
      20_000,
    );
    const movedAfterMs = Date.now() - cutAt;
    assert.ok(
      movedAfterMs >= GRACE_MS + EVICTION_MS - HEARTBEAT_MS,
      `moved after ${movedAfterMs} ms: not before the timeout`,
    );
    assert.ok(
      moved.every((p) => !onB.includes(p.metadata.name)),
      'new pods, not the evicted ones',
    );
    const pinned = await waitFor('pinned pods unschedulable', async () => {
      const list = await pods('pinned');
      return list.length === 2 && list.every((p) => p.spec.nodeName === undefined) && list;
    });
    const scheduled = pinned[0]?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.status, 'False');
    assert.match(
      scheduled?.message ?? '',
      /^0\/2 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector, 1 node\(s\) were not ready\.$/,
    );
    process.stdout.write(
      `node-b NotReady ${notReadyAfterMs} ms after the cut; its pods Ready on node-a ${movedAfterMs} ms after\n`,
    );
  });

  it('takes the node back when its heartbeats resume: it stops the evicted pods and runs the pinned ones again', async () => {
    backendB.cut(false);
    await waitFor('node-b Ready', async () => nodeIsReady(await node('node-b')), 10_000);
    await waitFor(
      'pinned pods Ready on node-b',
      async () => {
        const list = await pods('pinned');
        return list.length === 2 && list.every((p) => p.spec.nodeName === 'node-b' && podIsReady(p));
      },
      20_000,
    );
    await waitFor(
      'node-b runs only the pinned pods',
      () =>
        agents[1]!.pods().every((p) => p.metadata.labels?.['app'] === 'pinned') &&
        agents[1]!.pods().length === 2,
      20_000,
    );
    assert.equal(on(await pods('web'), 'node-a').length, 4, 'the moved replicas stay where they are');
  });
});
