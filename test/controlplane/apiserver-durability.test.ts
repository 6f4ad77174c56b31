import { it } from 'node:test';
import assert from 'node:assert/strict';
import { childScriptArgv } from '../support/child-script.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../src/controlplane/index.js';
import { SqliteConfigStore } from '../../src/store/index.js';
import { TOKEN, service } from './apiserver-support.js';

const SERVER = childScriptArgv(new URL('./fixtures/apiserver-process.ts', import.meta.url));
const WRITES_BEFORE_KILL = 60;

function startServer(file: string): Promise<{ child: ChildProcess; url: string; caPem: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...SERVER, file], {
      env: { ...process.env, AUTOMESH_TEST_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const match = /listening (\S+) (\S+)\n/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, caPem: Buffer.from(match[2]!, 'base64').toString() });
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`API server process exited before listening: ${err}`));
    });
  });
}

it('keeps every write the API server acknowledged when the control plane is killed with SIGKILL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'automesh-api-durable-'));
  const file = join(dir, 'store.db');
  const { child, url, caPem } = await startServer(file);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const client = new ApiClient({ server: url, token: TOKEN, certificateAuthorityPem: caPem });
    const acked = new Map<string, string>();
    for (let i = 0; i < WRITES_BEFORE_KILL; i++) {
      const stored = await client.create(service('default', `s${i}`));
      acked.set(stored.metadata.name, stored.metadata.resourceVersion!);
    }
    // Kill while more writes are in flight: those may or may not land; the acknowledged ones must.
    const inFlight = Array.from({ length: 5 }, (_, i) =>
      client.create(service('default', `late${i}`)).catch(() => undefined),
    );
    child.kill('SIGKILL');
    await exited;
    await Promise.all(inFlight);

    const store = new SqliteConfigStore({ file });
    try {
      const stored = new Map(
        (await store.list('Service')).items.map((s) => [s.metadata.name, s.metadata.resourceVersion]),
      );
      const lost = [...acked].filter(([name, version]) => stored.get(name) !== version);
      assert.deepEqual(lost, [], 'acknowledged writes lost');
      assert.ok(await store.get('Namespace', undefined, 'default'));
    } finally {
      await store.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
