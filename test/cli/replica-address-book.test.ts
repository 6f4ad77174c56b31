// The addresses up's node agent hands its sidecars: its own replica first, every other live one
// once after it, the CA and discovery lists in the same replica order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { orderReplicaAddresses } from '../../src/cli/up/replica-address-book.js';

const replica = (n: number) => ({
  apiServer: `https://10.0.0.${n}:6443`,
  caAddress: `10.0.0.${n}:15012`,
  discoveryAddress: `10.0.0.${n}:15010`,
});

describe('replica addresses for sidecars', () => {
  it('puts its own replica first and each other live one once, in the same order in both lists', () => {
    const own = replica(2);
    assert.deepEqual(orderReplicaAddresses(own, [replica(1), replica(2), replica(3)]), {
      ca: ['10.0.0.2:15012', '10.0.0.1:15012', '10.0.0.3:15012'],
      discovery: ['10.0.0.2:15010', '10.0.0.1:15010', '10.0.0.3:15010'],
    });
  });

  it('gives its own replica alone when the roster is empty or unreadable', () => {
    assert.deepEqual(orderReplicaAddresses(replica(1), []), {
      ca: ['10.0.0.1:15012'],
      discovery: ['10.0.0.1:15010'],
    });
  });
});
