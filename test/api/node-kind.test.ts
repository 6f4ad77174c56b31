import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../src/api/index.js';
import { findKind, resourcePath, validateResource } from '../../src/api/index.js';
import { columnsFor } from '../../src/api/table-columns.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');

function node(overrides: Partial<Node> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'host-a',
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'kubernetes.io/hostname': 'host-a', 'node-role.kubernetes.io/control-plane': '' },
    },
    spec: { podCIDR: '127.30.0.0/16', podCIDRs: ['127.30.0.0/16'] },
    status: {
      addresses: [
        { type: 'InternalIP', address: '198.18.0.2' },
        { type: 'Hostname', address: 'host-a' },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      nodeInfo: { kubeletVersion: 'v0.1.0-automesh', osImage: 'Debian', kernelVersion: '6.1' },
    },
    ...overrides,
  };
}

const row = (n: Node, wide = false): string[] =>
  columnsFor('Node', { wide, allNamespaces: false }).map((c) => c.cell(n as never, NOW));

describe('the Node kind', () => {
  it('is cluster-scoped core v1, spelled nodes / node / no', () => {
    for (const spelling of ['nodes', 'node', 'no', 'Node', 'nodes.v1']) {
      assert.equal(findKind(spelling)?.kind, 'Node', spelling);
    }
    const kind = findKind('nodes')!;
    assert.equal(kind.namespaced, false);
    assert.equal(resourcePath(kind, { namespace: 'ignored', name: 'host-a' }), '/api/v1/nodes/host-a');
  });

  it('validates a node as an agent writes it', () => {
    assert.deepEqual(validateResource(node()).issues, []);
  });

  it('refuses a pod range that is not an IPv4 CIDR, naming the field', () => {
    const issues = validateResource(node({ spec: { podCIDR: '127.30.0.0' } })).issues;
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]?.path, ['spec', 'podCIDR']);
    assert.match(issues[0]?.message ?? '', /invalid CIDR "127.30.0.0"/);
  });

  it('prints NAME STATUS ROLES AGE VERSION as kubectl does, and -o wide adds the addresses', () => {
    assert.deepEqual(
      columnsFor('Node', { wide: false, allNamespaces: false }).map((c) => c.header),
      ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    );
    assert.deepEqual(row(node()), ['host-a', 'Ready', 'control-plane', '1h', 'v0.1.0-automesh']);
    assert.deepEqual(row(node(), true).slice(5), ['198.18.0.2', '<none>', 'Debian', '6.1', '<unknown>']);
  });

  it('says NotReady for a Ready condition that is False or Unknown, Unknown without one', () => {
    const withReady = (status: 'False' | 'Unknown'): Node =>
      node({ status: { conditions: [{ type: 'Ready', status }] } });
    assert.equal(row(withReady('Unknown'))[1], 'NotReady');
    assert.equal(row(withReady('False'))[1], 'NotReady');
    assert.equal(row(node({ status: {} }))[1], 'Unknown');
    assert.equal(row(node({ spec: { unschedulable: true } }))[1], 'Ready,SchedulingDisabled');
    assert.equal(row(node({ metadata: { name: 'w' } }))[2], '<none>');
  });
});
