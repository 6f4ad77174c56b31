// Node IPAM: the cluster pod range cut into one /24 per node, lowest free block first, blocks held
// kept, nodes past the end of the range left without one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../src/api/index.js';
import { parseCidr, planPodCidrs } from '../../src/controlplane/index.js';

const node = (name: string, podCIDR?: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR === undefined ? {} : { podCIDR },
});

describe('pod CIDR plan', () => {
  const cluster = parseCidr('198.19.0.0/16');

  it('parses IPv4 CIDRs and refuses host bits and nonsense', () => {
    assert.deepEqual(cluster, { base: (198 * 256 + 19) * 65536, prefix: 16 });
    assert.equal(parseCidr('198.19.0.1/16'), undefined);
    assert.equal(parseCidr('198.19.0.0/33'), undefined);
    assert.equal(parseCidr('198.19.0/16'), undefined);
    assert.equal(parseCidr('abc'), undefined);
  });

  it('gives nodes without a range the lowest free blocks, by name, keeping held ones', () => {
    const plan = planPodCidrs(cluster!, 24, [
      node('c'),
      node('a', '198.19.0.0/24'),
      node('b'),
      node('d', '127.10.0.0/16'),
    ]);
    assert.deepEqual(
      [...plan.assign],
      [
        ['b', '198.19.1.0/24'],
        ['c', '198.19.2.0/24'],
      ],
    );
    assert.deepEqual(plan.exhausted, []);
  });

  it('leaves nodes past the end of the range without one', () => {
    const small = parseCidr('198.19.0.0/23')!;
    const plan = planPodCidrs(small, 24, [node('a'), node('b'), node('c')]);
    assert.deepEqual([...plan.assign.values()], ['198.19.0.0/24', '198.19.1.0/24']);
    assert.deepEqual(plan.exhausted, ['c']);
  });
});
