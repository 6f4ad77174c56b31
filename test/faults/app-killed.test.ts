// Fault: the app behind a sidecar dies (SIGKILL) while a request is in flight. The client must get
// a 503 from its own sidecar at once (not a hang until some timeout), and the runtime must restart
// the app: restartCount goes up, the pod is Ready again and serves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../src/api/index.js';
import {
  createAll,
  httpGet,
  isReady,
  readyPods,
  restartCount,
  sampleResources,
  sleep,
  startFaultMesh,
  untilReachable,
  waitFor,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.appKilled;
const NS = 'appkill';

describe('an app killed mid-request', { timeout: 120_000 }, () => {
  it('answers the client 503 from its sidecar promptly and restarts the app', async () => {
    const fault = await startFaultMesh('app', { addressBlock: ADDRESS_BLOCK });
    try {
      const { store, stateDir } = fault;
      await createAll(store, sampleResources(NS));
      const [client] = await readyPods(store, NS, 'sleep');
      const [server] = await readyPods(store, NS, 'httpbin');
      const proxy = `http://${client!.status!.podIP}:15001`;
      const before = restartCount(server, 'httpbin');
      assert.equal(before, 0);
      await untilReachable(proxy, `http://httpbin.${NS}:8000/get`);

      const pidPath = join(stateDir, 'pods', NS, server!.metadata.name, 'httpbin.pid');
      const appPid = Number(readFileSync(pidPath, 'utf8').trim());
      const sentAt = Date.now();
      const inFlight = httpGet(`http://httpbin.${NS}:8000/delay/3`, { proxy, timeoutMs: 10_000 }).then(
        (r) => ({ ...r, at: Date.now() }),
        (err: unknown) => ({ status: -1, body: (err as Error).message, at: Date.now() }),
      );
      await sleep(800); // the request is at the app, which holds it for 3 s
      const killedAt = Date.now();
      process.kill(appPid, 'SIGKILL');
      const answer = await inFlight;
      const afterKillMs = answer.at - killedAt;
      assert.equal(
        answer.status,
        503,
        `the client's sidecar answered 503 (got ${answer.status}: ${answer.body})`,
      );
      assert.ok(afterKillMs < 1_000, `answered ${afterKillMs} ms after the kill, not at the app's 3 s`);

      const restarted = await waitFor(
        'httpbin restarted and Ready',
        async () => {
          const pod = (await store.get('Pod', NS, server!.metadata.name)) as Pod | undefined;
          return restartCount(pod, 'httpbin') === before + 1 && isReady(pod!) && pod;
        },
        30_000,
      );
      const readyAgainMs = Date.now() - killedAt;
      const newPid = Number(readFileSync(pidPath, 'utf8').trim());
      assert.notEqual(newPid, appPid, 'a new app process runs');
      const after = await waitFor('httpbin serves again', async () => {
        const r = await httpGet(`http://httpbin.${NS}:8000/get`, { proxy }).catch(() => undefined);
        return r?.status === 200 && r;
      });
      assert.equal(after.status, 200);
      console.log(
        `app killed mid-request: 503 after ${answer.at - sentAt} ms (${afterKillMs} ms after SIGKILL) ` +
          `body "${answer.body.trim().slice(0, 120)}"; restartCount ${before} → ${restartCount(restarted, 'httpbin')}, ` +
          `Ready again ${readyAgainMs} ms after the kill`,
      );
    } finally {
      await fault.stop();
    }
  });
});
