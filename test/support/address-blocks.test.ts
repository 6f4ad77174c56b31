// Meshes started by tests that may run at the same time never share an address: each fixed block
// and its app-host block (B, B+1) is disjoint from every other's, from the random range and from
// the default block's pair.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ADDRESS_BLOCK } from '../../src/runtime/index.js';
import { ADDRESS_BLOCKS, DEFAULT_BLOCK, RANDOM_BLOCKS } from './address-blocks.js';
import { randomAddressBlock } from '../runtime/support.js';

describe('test address blocks', () => {
  it('gives every fixed mesh a pod block and an app-host block of its own', () => {
    const owner = new Map<number, string>();
    const claim = (octet: number, who: string): void => {
      assert.ok(octet >= 1 && octet <= 254, `${who}: 127.${octet} is not a usable second octet`);
      const other = owner.get(octet);
      assert.equal(other, undefined, `127.${octet}.x.y is used by both ${other} and ${who}`);
      owner.set(octet, who);
    };
    claim(DEFAULT_BLOCK, 'the default block');
    claim(DEFAULT_BLOCK + 1, 'the default block');
    for (const [who, block] of Object.entries(ADDRESS_BLOCKS)) {
      claim(block, who);
      claim(block + 1, who);
      assert.ok(
        block + 1 < RANDOM_BLOCKS.first || block > RANDOM_BLOCKS.last + 1,
        `${who} (${block}) lies inside randomAddressBlock's range`,
      );
    }
  });

  it('states the runtime default and the random range as they are', () => {
    assert.equal(DEFAULT_BLOCK, DEFAULT_ADDRESS_BLOCK);
    for (let i = 0; i < 200; i++) {
      const block = randomAddressBlock();
      assert.ok(
        block >= RANDOM_BLOCKS.first && block <= RANDOM_BLOCKS.last && block % 2 === 0,
        `drew ${block}`,
      );
    }
  });
});
