// `automesh down` with no `automesh up` left (it was killed): the pod processes it left running
// are stopped too, and only those.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && running(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !running(pid);
}

describe('automesh down after up was killed', () => {
  it('stops the pod processes left running, not others', async () => {
    const home = mkdtempSync(join(tmpdir(), 'automesh-down-orphans-'));
    const podDir = join(home, 'pods', 'shop', 'web-1');
    mkdirSync(podDir, { recursive: true });
    const sleeper = (env: NodeJS.ProcessEnv) =>
      spawn('sleep', ['60'], { env: { ...process.env, ...env }, stdio: 'ignore', detached: true });
    const orphan = sleeper({ POD_NAME: 'web-1' });
    const stranger = sleeper({});
    try {
      writeFileSync(join(podDir, 'app.pid'), `${orphan.pid}\n`);
      // A pid file naming a process of someone else (a recycled pid): must be left alone.
      writeFileSync(join(podDir, 'other.pid'), `${stranger.pid}\n`);
      const result = await runCli(['down'], { env: { AUTOMESH_HOME: home } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /^automesh is not running on .*; stopped 1 pod process\(es\) it left running$/m,
      );
      assert.ok(await gone(orphan.pid!), 'the orphaned pod process was stopped');
      assert.ok(running(stranger.pid!), "a process that is not the pod's was left alone");
    } finally {
      orphan.kill('SIGKILL');
      stranger.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});
