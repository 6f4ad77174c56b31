// The controllers' pure decisions, table by table: what a Deployment needs, where a pod goes, when
// a node is NotReady and when its pods are evicted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Node, Pod } from '../../src/api/index.js';
import {
  NodeLoad,
  judgeNode,
  planDeployment,
  podTemplateHash,
  schedulePod,
} from '../../src/controlplane/index.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
const deploy = (replicas: number): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', uid: 'd1' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template },
});
const HASH = podTemplateHash(template);

function pod(
  name: string,
  extra: { hash?: string; node?: string; ready?: boolean; created?: string } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z',
      labels: { app: 'web', 'pod-template-hash': extra.hash ?? HASH },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true },
      ],
    },
    spec: { containers: [{ name: 'c', image: 'x' }], ...(extra.node ? { nodeName: extra.node } : {}) },
    status: { conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  };
}

function node(name: string, ready: boolean | 'Unknown', labels: Record<string, string> = {}): Node {
  const status = ready === 'Unknown' ? 'Unknown' : ready ? 'True' : 'False';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: { conditions: [{ type: 'Ready', status, lastHeartbeatTime: 'hb-1' }] },
  };
}

describe('planDeployment', () => {
  it('makes the missing replicas with the template hash in name and label, unscheduled', () => {
    const plan = planDeployment(deploy(3), [pod('web-a', { node: 'n1' })], () => false);
    assert.equal(plan.create.length, 2);
    for (const p of plan.create) {
      assert.match(p.metadata.name, new RegExp(`^web-${HASH}-[a-z0-9]{5}$`));
      assert.equal(p.metadata.labels?.['pod-template-hash'], HASH);
      assert.equal(p.spec.nodeName, undefined);
    }
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.status, {
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 1,
      availableReplicas: 1,
    });
  });

  it('removes pods of an old template, and extras unscheduled, then not Ready, then newest first', () => {
    const owned = [
      pod('old', { hash: 'zzz', node: 'n1' }),
      pod('ready-old', { node: 'n1', created: '2026-01-01T00:00:00Z' }),
      pod('ready-new', { node: 'n1', created: '2026-01-02T00:00:00Z' }),
      pod('not-ready', { node: 'n1', ready: false }),
      pod('unscheduled'),
    ];
    const plan = planDeployment(deploy(1), owned, () => false);
    assert.deepEqual(plan.remove.map((p) => p.metadata.name).sort(), [
      'not-ready',
      'old',
      'ready-new',
      'unscheduled',
    ]);
    assert.deepEqual(plan.create, []);
  });
});

describe('schedulePod', () => {
  const nodes = [
    node('a', true, { zone: 'a' }),
    node('b', true, { zone: 'b' }),
    node('c', 'Unknown', { zone: 'b' }),
  ];

  it("spreads one owner's pods, then balances all pods, then goes by name", () => {
    const load = new NodeLoad();
    load.add('a', 'ns/web');
    load.add('b', 'ns/other');
    load.add('b', 'ns/other');
    assert.deepEqual(schedulePod(pod('p'), nodes, load, 'ns/web'), { ok: true, node: 'b' });
    assert.deepEqual(schedulePod(pod('p'), nodes, load, 'ns/new'), { ok: true, node: 'a' });
    assert.deepEqual(schedulePod(pod('p'), nodes, new NodeLoad(), undefined), { ok: true, node: 'a' });
  });

  it('places only on Ready, schedulable nodes whose labels match the nodeSelector, and says why not', () => {
    const pinned = pod('p');
    pinned.spec.nodeSelector = { zone: 'b' };
    assert.deepEqual(schedulePod(pinned, nodes, new NodeLoad()), { ok: true, node: 'b' });
    pinned.spec.nodeSelector = { zone: 'c' };
    assert.deepEqual(schedulePod(pinned, nodes, new NodeLoad()), {
      ok: false,
      message:
        "0/3 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) were not ready.",
    });
    const cordoned = node('a', true);
    cordoned.spec = { unschedulable: true };
    assert.deepEqual(schedulePod(pod('p'), [cordoned], new NodeLoad()), {
      ok: false,
      message: '0/1 nodes are available: 1 node(s) were unschedulable.',
    });
  });
});

describe('judgeNode', () => {
  const config = { gracePeriodMs: 10_000, evictionTimeoutMs: 30_000 };
  const beat = (hb: string): Node => {
    const n = node('a', true);
    n.status!.conditions![0]!.lastHeartbeatTime = hb;
    return n;
  };

  it('counts the grace period from when the heartbeat was SEEN to change, on its own clock', () => {
    let j = judgeNode(beat('1999-01-01T00:00:00Z'), undefined, 1_000, config);
    assert.equal(j.ready, true, 'an old timestamp from a skewed clock is not held against the node');
    j = judgeNode(beat('1999-01-01T00:00:00Z'), j.observation, 11_000, config);
    assert.equal(j.ready, true, 'exactly the grace period: still Ready');
    j = judgeNode(beat('1999-01-01T00:00:00Z'), j.observation, 11_001, config);
    assert.deepEqual([j.ready, j.markUnknown, j.evict], [false, true, false]);
    const recovered = judgeNode(beat('1999-01-01T00:00:05Z'), j.observation, 12_000, config);
    assert.deepEqual([recovered.ready, recovered.observation.notReadySinceMs], [true, undefined]);
  });

  it('evicts after the eviction timeout of NotReady, and a missing node is never Ready', () => {
    let j = judgeNode(node('a', 'Unknown'), undefined, 0, config);
    assert.deepEqual([j.ready, j.markUnknown, j.evict], [false, false, false]);
    j = judgeNode(node('a', 'Unknown'), j.observation, 29_999, config);
    assert.equal(j.evict, false);
    j = judgeNode(node('a', 'Unknown'), j.observation, 30_000, config);
    assert.equal(j.evict, true);
    assert.equal(judgeNode(undefined, undefined, 0, config).ready, false);
  });
});
