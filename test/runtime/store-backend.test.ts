import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { decodeManifests } from '../../src/api/index.js';
import type { Endpoints, Pod } from '../../src/api/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import type { ConfigStore } from '../../src/store/index.js';
import { startLocalNode } from './local-node.js';
import type { RuntimeBackend } from '../../src/runtime/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { curl, podProcesses, randomAddressBlock, waitFor } from './support.js';

// The store is the backend the lead wires in: this must type-check.
const asBackend = (store: ConfigStore): RuntimeBackend => store;

const isReady = (p: Pod): boolean => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

describe('runtime on the real store', () => {
  it('runs the legacy samples from the store, serves them, and stops them when the namespace goes', async () => {
    const store = new MemoryConfigStore();
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-runtime-store-'));
    const block = randomAddressBlock();
    await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy' } });
    for (const file of ['samples/httpbin/httpbin.yaml', 'samples/sleep/sleep.yaml']) {
      const decoded = decodeManifests(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
      assert.deepEqual(decoded.problems, []);
      for (const r of decoded.resources)
        await store.create({ ...r, metadata: { ...r.metadata, namespace: 'legacy' } });
    }
    const runtime = await startLocalNode({ backend: asBackend(store), stateDir, addressBlock: block });
    try {
      const pods = await waitFor('both pods Ready in the store', async () => {
        const list = (await store.list('Pod', { namespace: 'legacy' })).items as Pod[];
        return list.length === 2 && list.every(isReady) && list;
      });
      const sleep = pods.find((p) => p.metadata.labels?.['app'] === 'sleep')!;
      assert.equal(sleep.spec.serviceAccountName, 'sleep');
      const endpoints = await waitFor('httpbin endpoints', async () => {
        const ep = (await store.get('Endpoints', 'legacy', 'httpbin')) as Endpoints | undefined;
        return ep?.subsets?.[0]?.addresses?.length === 1 && ep;
      });
      assert.equal(endpoints.subsets?.[0]?.addresses?.[0]?.targetRef?.name.startsWith('httpbin-'), true);
      const r = await curl(['-w', 'response %{http_code}\n', 'http://httpbin.legacy:8000/headers'], {
        http_proxy: `http://${sleep.status?.podIP}:15001`,
      });
      assert.match(r.stdout, /response 200\n$/);
      assert.doesNotMatch(r.stdout, /"Connection"/, 'the plain proxy adds no header of its own');
      await store.delete('Namespace', undefined, 'legacy');
      await waitFor('pod processes gone', () => podProcesses(`127.${block}.`).length === 0);
    } finally {
      await runtime.stop();
      await store.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
    assert.deepEqual(podProcesses(`127.${block}.`), []);
  });
});
