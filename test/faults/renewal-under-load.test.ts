// Fault: SVIDs with a 6 s lifetime renew again and again (every ~3 s) on both sidecars while a
// steady mTLS stream (STRICT) runs through them. A renewal swaps the certificate that new
// connections use; no request may fail across any swap, and both serials must really change.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createAll,
  describeFigures,
  peerAuthentication,
  readyPods,
  RequestStream,
  sampleResources,
  serialOf,
  sleep,
  startFaultMesh,
  untilReachable,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.renewalUnderLoad;
const NS = 'renewal';
const SVID_TTL_SECONDS = 6;
const RUN_MS = 20_000;
const INTERVAL_MS = 50; // 20 req/s

/** Distinct serials seen, in order of appearance. */
class SerialWatch {
  readonly seen: string[] = [];
  constructor(private readonly podIP: string) {}
  async poll(): Promise<void> {
    const serial = await serialOf(this.podIP);
    if (serial !== undefined && serial !== this.seen[this.seen.length - 1]) this.seen.push(serial);
  }
  /** How many times the serial changed while watched. */
  get changes(): number {
    return Math.max(0, this.seen.length - 1);
  }
}

describe('certificate renewal under load', { timeout: 90_000 }, () => {
  it('renews both sidecars several times under a STRICT mTLS stream without a failed request', async () => {
    const fault = await startFaultMesh('renewal', {
      addressBlock: ADDRESS_BLOCK,
      svidTtlSeconds: SVID_TTL_SECONDS,
    });
    let stream: RequestStream | undefined;
    try {
      const { store } = fault;
      await createAll(store, [...sampleResources(NS), peerAuthentication(NS, 'STRICT')]);
      const [client] = await readyPods(store, NS, 'sleep');
      const [server] = await readyPods(store, NS, 'httpbin');
      const proxy = `http://${client!.status!.podIP}:15001`;
      const url = `http://httpbin.${NS}:8000/get`;
      await untilReachable(proxy, url);

      const watches = [new SerialWatch(client!.status!.podIP!), new SerialWatch(server!.status!.podIP!)];
      await Promise.all(watches.map((w) => w.poll()));
      // httpbin echoes the headers it got: the server sidecar's XFCC proves the request came over mTLS.
      stream = new RequestStream(proxy, url, INTERVAL_MS, (body) =>
        body.includes('X-Forwarded-Client-Cert') ? 'mtls' : 'plaintext',
      );
      const started = Date.now();
      stream.start();
      while (Date.now() - started < RUN_MS) {
        await sleep(1_000);
        await Promise.all(watches.map((w) => w.poll()));
      }
      const figures = await stream.stop();
      const seconds = (Date.now() - started) / 1000;
      const [c, s] = watches.map((w) => w.changes);
      console.log(
        `${describeFigures('renewal under load', figures, seconds)}; serial changes: client ${c}, server ${s}`,
      );
      assert.ok(figures.sent >= (RUN_MS / INTERVAL_MS) * 0.7, `a steady stream was sent (${figures.sent})`);
      assert.deepEqual(figures.failures, [], 'no request failed');
      assert.equal(figures.ok, figures.sent);
      assert.equal(figures.byBackend.get('mtls'), figures.ok, 'every request went over mTLS');
      assert.ok(c! >= 2, `the client sidecar's serial changed at least twice (${c})`);
      assert.ok(s! >= 2, `the server sidecar's serial changed at least twice (${s})`);
    } finally {
      await stream?.stop();
      await fault.stop();
    }
  });
});
