import { it } from 'node:test';
import assert from 'node:assert/strict';
import { childScriptArgv } from '../support/child-script.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteConfigStore } from '../../src/store/index.js';

const WRITER = childScriptArgv(new URL('./fixtures/durable-writer.ts', import.meta.url));
const ACKS_BEFORE_KILL = 200;

/** Starts the writer, SIGKILLs it once it has acknowledged `count` writes; returns every ack seen. */
function writeThenKill(file: string, count: number): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...WRITER, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks = new Map<string, string>();
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [, name, version] = line.split(' ');
        if (name !== undefined && version !== undefined) acks.set(name, version);
      }
      if (acks.size >= count && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer ended without being killed (${signal}): ${stderr}`));
      else resolve(acks);
    });
  });
}

it('keeps every acknowledged write when the writing process is killed with SIGKILL mid-stream', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'automesh-durable-'));
  try {
    const file = join(dir, 'store.db');
    const acks = await writeThenKill(file, ACKS_BEFORE_KILL);
    assert.ok(acks.size >= ACKS_BEFORE_KILL, `only ${acks.size} acks`);

    const store = new SqliteConfigStore({ file });
    try {
      const stored = new Map(
        (await store.list('Service')).items.map((s) => [s.metadata.name, s.metadata.resourceVersion]),
      );
      const lost = [...acks].filter(([name, version]) => stored.get(name) !== version);
      assert.deepEqual(lost, [], 'acknowledged writes lost after SIGKILL');
      assert.ok(store.revision() >= acks.size);
      // The store still takes writes after the crash, continuing the revision sequence.
      const next = await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'after' } });
      assert.equal(Number(next.metadata.resourceVersion), stored.size + 1);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
