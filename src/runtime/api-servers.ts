// The API servers a node on another host may talk to (every control-plane replica it was given):
// calls go to the current one and move on to the next when it cannot be reached (down, or cut off),
// each server tried once per call. Answers from a server (a 404, a 409) are answers, not failover.

import { ApiClientError } from '../controlplane/index.js';
import type { ApiClient } from '../controlplane/index.js';

export class ApiServers {
  private index = 0;

  constructor(private readonly clients: readonly ApiClient[]) {
    if (clients.length === 0) throw new Error('at least one API server is needed');
  }

  /** The server calls go to now (watches open there). */
  current(): ApiClient {
    return this.clients[this.index % this.clients.length] as ApiClient;
  }

  /** Moves to the next server (after a broken watch, say). */
  next(): void {
    this.index = (this.index + 1) % this.clients.length;
  }

  async call<T>(fn: (client: ApiClient) => Promise<T>): Promise<T> {
    for (let tried = 1; ; tried++) {
      try {
        return await fn(this.current());
      } catch (err) {
        const unreachable = err instanceof ApiClientError && err.code === 'AUTOMESH_ERR_CLIENT_UNREACHABLE';
        if (!unreachable || tried >= this.clients.length) throw err;
        this.next();
      }
    }
  }
}
