// gRPC failures from etcd as StoreErrors: what the caller can act on, naming the members asked.

import { grpc } from './etcd-rpc.js';
import { StoreError } from '../store-error.js';

interface GrpcFailure {
  code?: number;
  details?: string;
}

/** The call may have been applied or not: the answer was lost (member died, deadline passed). */
export function isOutcomeUnknown(err: unknown): boolean {
  const code = (err as GrpcFailure).code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

export function storeErrorOf(err: unknown, endpoints: readonly string[]): StoreError {
  if (err instanceof StoreError) return err;
  const { code, details } = err as GrpcFailure;
  const where = `etcd at ${endpoints.join(',')}`;
  const said = details ?? String(err);
  if (/too many operations in txn request/.test(said)) {
    return new StoreError(
      'AUTOMESH_ERR_STORE_INVALID',
      `${where} refused the transaction: it touches more objects than etcd's --max-txn-ops ` +
        `(default 128) allows; start etcd with a larger --max-txn-ops, or write in smaller batches`,
      { cause: err },
    );
  }
  if (/request is too large/.test(said)) {
    return new StoreError(
      'AUTOMESH_ERR_STORE_INVALID',
      `${where} refused the write as too large (etcd's --max-request-bytes, default 1.5 MiB)`,
      { cause: err },
    );
  }
  if (/required revision has been compacted/.test(said)) {
    return new StoreError('AUTOMESH_ERR_STORE_COMPACTED', `${where}: ${said}`, { cause: err });
  }
  if (code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED) {
    return new StoreError(
      'AUTOMESH_ERR_STORE_IO',
      `${where} did not answer (${said}); check that etcd is running and reachable there`,
      { cause: err },
    );
  }
  return new StoreError('AUTOMESH_ERR_STORE_IO', `${where} failed: ${said}`, { cause: err });
}

/** The useful words of a gRPC failure: `connect ECONNREFUSED 127.0.0.1:1`, `etcdserver: no leader`. */
export function briefCause(err: unknown): string {
  const details = (err as GrpcFailure).details ?? String(err);
  const refused = /Error: (connect [A-Z]+ [^\s.]+(?:\.[^\s.]+)*:\d+)/.exec(details);
  if (refused) return refused[1] as string;
  return details
    .replace(/\. Resolution note:.*$/s, '')
    .replace(/^No connection established\. Last error: /, '');
}
