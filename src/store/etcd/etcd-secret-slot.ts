// SecretSlot on one etcd key: create = a transaction "mod revision of the key is 0 → put", which
// one of several replicas wins; the others get the winner's value in the same answer. A put whose
// answer is lost is settled by reading the key again: it holds our bytes or someone else's.

import type { SecretSlot } from '../secret-slot.js';
import { isOutcomeUnknown, storeErrorOf } from './etcd-errors.js';
import { retryWhileUnavailable } from './etcd-retry.js';
import type { EtcdRpc } from './etcd-rpc.js';

export class EtcdSecretSlot implements SecretSlot {
  readonly location: string;
  private readonly rpc: EtcdRpc;
  private readonly key: Buffer;
  private readonly callTimeoutMs: number;

  constructor(rpc: EtcdRpc, key: Buffer, callTimeoutMs: number) {
    this.rpc = rpc;
    this.key = key;
    this.callTimeoutMs = callTimeoutMs;
    this.location = `etcd at ${rpc.endpoints.join(',')}, key ${key.toString()}`;
  }

  async read(): Promise<Buffer | undefined> {
    try {
      const response = await retryWhileUnavailable(
        () => this.rpc.range({ key: this.key }),
        Date.now() + this.callTimeoutMs,
      );
      return response.kvs[0]?.value;
    } catch (err) {
      throw storeErrorOf(err, this.rpc.endpoints);
    }
  }

  async createIfAbsent(value: Buffer): Promise<{ created: boolean; value: Buffer }> {
    const key = this.key;
    let response;
    try {
      response = await this.rpc.txn({
        compare: [{ result: 'EQUAL', target: 'MOD', key, mod_revision: 0 }],
        success: [{ request_put: { key, value } }],
        failure: [{ request_range: { key } }],
      });
    } catch (err) {
      if (!isOutcomeUnknown(err)) throw storeErrorOf(err, this.rpc.endpoints);
      const now = await this.read();
      if (now === undefined) return this.createIfAbsent(value);
      return { created: now.equals(value), value: now };
    }
    if (response.succeeded) return { created: true, value };
    const winner = response.responses[0]?.response_range?.kvs[0]?.value;
    // Deleted between our compare and the range: try again.
    return winner === undefined ? this.createIfAbsent(value) : { created: false, value: winner };
  }
}
