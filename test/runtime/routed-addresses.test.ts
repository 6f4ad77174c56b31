// Routed pod addresses: pod IPs from the node's podCIDR with loopback app hosts, and the routes a
// node wants (every other node's podCIDR via its InternalIP). The loopback default is unchanged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../src/api/index.js';
import { AddressAllocator } from '../../src/runtime/index.js';
import { podRoutesOf } from '../../src/runtime/pod-network.js';

const node = (name: string, podCIDR: string | undefined, ip: string | undefined): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR === undefined ? {} : { podCIDR },
  status: ip === undefined ? {} : { addresses: [{ type: 'InternalIP', address: ip }] },
});

describe('routed pod addresses', () => {
  it('keeps the loopback default exactly as before', () => {
    const a = new AddressAllocator(40);
    assert.equal(a.cidr, '127.40.0.0/16');
    assert.deepEqual(a.allocate('ns/p1'), { podIP: '127.40.0.2', appHost: '127.41.0.2' });
    assert.equal(a.reserve('ns/p2', '127.40.1.7'), true);
    assert.equal(a.reserve('ns/p3', '127.41.1.8'), false);
  });

  it('takes pod IPs from a /24 podCIDR, app hosts on loopback, at most 253 pods', () => {
    const a = AddressAllocator.inRange('198.19.3.0/24', 11);
    assert.equal(a.cidr, '198.19.3.0/24');
    assert.deepEqual(a.allocate('ns/p1'), { podIP: '198.19.3.2', appHost: '127.11.0.2' });
    assert.equal(a.reserve('ns/p2', '198.19.3.254'), true);
    assert.equal(a.reserve('ns/p3', '198.19.4.2'), false, 'outside the node range');
    for (let i = 3; i < 254; i++) a.allocate(`ns/q${i}`);
    assert.throws(() => a.allocate('ns/one-too-many'), /no free pod address/);
  });

  it('routes every other node with a routed podCIDR and an InternalIP', () => {
    const routes = podRoutesOf(
      [
        node('h1', '198.19.0.0/24', '198.18.0.1'),
        node('h2', '198.19.1.0/24', '198.18.0.2'),
        node('h3', undefined, '198.18.0.3'),
        node('old', '127.10.0.0/16', '127.0.0.1'),
      ],
      'h1',
    );
    assert.deepEqual([...routes], [['198.19.1.0/24', '198.18.0.2']]);
  });
});
