// The pieces adoption stands on: reserving a known pod IP, recognising a process from /proc, and
// noticing the exit of a process that is not our child.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressAllocator } from '../../src/runtime/index.js';
import { AdoptedProcess } from '../../src/runtime/adopted-process.js';
import {
  carriesIdentity,
  identityEnvironment,
  processStartTicks,
} from '../../src/runtime/process-identity.js';
import { SupervisedProcess } from '../../src/runtime/supervised-process.js';
import { waitFor } from './support.js';

const container = { name: 'web', image: 'docker.io/kennethreitz/httpbin' };
const spec = { container, podIP: '127.30.0.2', appHost: '127.31.0.2', injected: true, isRoot: false };

describe('address reservation', () => {
  it('gives a pod back the address the store records, unless another pod holds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'automesh-reserve-'));
    try {
      const file = join(dir, 'pod-addresses.json');
      const allocator = new AddressAllocator(30, file);
      assert.equal(allocator.reserve('ns/a', '127.30.0.7'), true);
      assert.equal(allocator.reserve('ns/a', '127.30.0.7'), true, 'idempotent');
      assert.deepEqual(allocator.allocate('ns/a'), { podIP: '127.30.0.7', appHost: '127.31.0.7' });
      assert.equal(allocator.reserve('ns/b', '127.30.0.7'), false, 'held by ns/a');
      assert.equal(allocator.reserve('ns/b', '127.40.0.7'), false, 'another block');
      assert.equal(allocator.reserve('ns/b', '127.30.0.255'), false, 'never handed out');
      assert.equal(allocator.reserve('ns/b', '127.30.1.300'), false, 'not an address');
      assert.equal(allocator.allocate('ns/c').podIP, '127.30.0.2', 'the lowest free one');
      assert.equal(allocator.reserve('ns/a', '127.30.0.9'), true, 'moves ns/a');
      assert.equal(allocator.reserve('ns/b', '127.30.0.7'), true, 'the old one is free again');
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
        'ns/a': 9,
        'ns/c': 2,
        'ns/b': 7,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('process identity', () => {
  it('recognises a process by the marker variables in its environment, and its start time', async () => {
    const marks = identityEnvironment('uid-1', spec);
    const child = spawn('sleep', ['30'], { env: { PATH: process.env['PATH'], ...marks }, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const ticks = processStartTicks(child.pid!);
      assert.ok(ticks !== undefined && /^\d+$/.test(ticks));
      assert.equal(carriesIdentity(child.pid!, marks), true);
      assert.equal(carriesIdentity(child.pid!, identityEnvironment('uid-2', spec)), false, 'another pod');
      const changed = identityEnvironment('uid-1', { ...spec, container: { ...container, args: ['x'] } });
      assert.equal(carriesIdentity(child.pid!, changed), false, 'another spec');
      const moved = identityEnvironment('uid-1', { ...spec, launcher: 'other control plane' });
      assert.equal(carriesIdentity(child.pid!, moved), false, 'another launcher');
      assert.equal(carriesIdentity(process.pid, marks), false, 'a process without the marks');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    assert.equal(processStartTicks(child.pid!), undefined, 'gone');
  });
});

describe('adopted process', () => {
  it('notices the exit of a process that is not its child and restarts it through SupervisedProcess', async () => {
    // Started by the test (standing in for the earlier runtime), adopted by the supervisor.
    const orphan = spawn('sleep', ['30'], { stdio: 'ignore' });
    const launched: number[] = [];
    const exits: string[] = [];
    const supervisor = new SupervisedProcess({
      launch: () => {
        const child = spawn('sleep', ['30'], { stdio: 'ignore' });
        launched.push(child.pid!);
        return child;
      },
      backoff: { initialMs: 50, maxMs: 100 },
      stopGraceMs: 500,
      onChange: () => undefined,
      onExit: (why) => exits.push(why),
    });
    try {
      const startedAt = new Date(Date.now() - 60_000);
      supervisor.adopt(new AdoptedProcess(orphan.pid!, processStartTicks(orphan.pid!)!, 50), startedAt, 3);
      assert.equal(supervisor.running, true);
      assert.equal(supervisor.pid, orphan.pid);
      assert.equal(supervisor.restartCount, 3, 'the count carries over');
      assert.deepEqual(supervisor.current, { state: 'running', startedAt: startedAt.toISOString() });
      orphan.kill('SIGKILL');
      await waitFor('restarted', () => launched.length === 1 && supervisor.running, 5_000);
      assert.equal(supervisor.restartCount, 4);
      assert.deepEqual(exits, ['exited, status unknown']);
    } finally {
      await supervisor.stop();
      orphan.kill('SIGKILL');
    }
  });

  it('is stopped with SIGTERM, then SIGKILL after the grace period', async () => {
    const stubborn = spawn(
      process.execPath,
      ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    // Its SIGTERM handler is in place once it says so (a fixed wait is too short on a loaded machine).
    await new Promise<void>((resolve, reject) => {
      stubborn.stdout.once('data', () => resolve());
      stubborn.once('exit', () => reject(new Error('the stubborn process exited before it was ready')));
    });
    const supervisor = new SupervisedProcess({
      launch: () => {
        throw new Error('not relaunched once stopping');
      },
      stopGraceMs: 300,
      onChange: () => undefined,
    });
    supervisor.adopt(new AdoptedProcess(stubborn.pid!, processStartTicks(stubborn.pid!)!, 50), new Date(), 0);
    const started = Date.now();
    await supervisor.stop();
    const took = Date.now() - started;
    assert.equal(processStartTicks(stubborn.pid!), undefined);
    assert.ok(took >= 300 && took < 2_000, `stopped after ${took} ms`);
    assert.equal(supervisor.current.state, 'terminated');
  });
});
