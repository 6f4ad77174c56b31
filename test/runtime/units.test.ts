import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodTemplate } from '../../src/api/index.js';
import {
  AddressAllocator,
  execEnvironment,
  hostPort,
  imageProgram,
  parseServiceHost,
} from '../../src/runtime/index.js';
import { podTemplateHash } from '../../src/controlplane/index.js';
import { SupervisedProcess } from '../../src/runtime/supervised-process.js';
import { waitFor } from './support.js';

describe('runtime building blocks', () => {
  it('maps privileged ports to +15000 only when not root', () => {
    assert.equal(hostPort(80, false), 15080);
    assert.equal(hostPort(1023, false), 16023);
    assert.equal(hostPort(1024, false), 1024);
    assert.equal(hostPort(8000, false), 8000);
    assert.equal(hostPort(80, true), 80);
  });

  it('gives each pod its own address and its twin app host, and keeps them across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'automesh-addr-'));
    try {
      const file = join(dir, 'addresses.json');
      const a = new AddressAllocator(10, file);
      assert.deepEqual(a.allocate('full/httpbin-x'), { podIP: '127.10.0.2', appHost: '127.11.0.2' });
      assert.deepEqual(a.allocate('full/sleep-y'), { podIP: '127.10.0.3', appHost: '127.11.0.3' });
      assert.equal(a.allocate('full/httpbin-x').podIP, '127.10.0.2');
      a.release('full/httpbin-x');
      const b = new AddressAllocator(10, file);
      assert.equal(b.allocate('full/sleep-y').podIP, '127.10.0.3', 'reused by name after a restart');
      assert.equal(b.allocate('full/new').podIP, '127.10.0.2', 'a released address is given again');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hashes pod templates like Kubernetes: stable, key-order blind, changed by any edit', () => {
    const t: PodTemplate = {
      metadata: { labels: { app: 'a' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    const reordered = JSON.parse(
      '{"spec":{"containers":[{"image":"i","name":"c"}]},"metadata":{"labels":{"app":"a"}}}',
    ) as PodTemplate;
    assert.equal(podTemplateHash(t), podTemplateHash(reordered));
    assert.match(podTemplateHash(t), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    const edited = structuredClone(t);
    edited.spec.containers[0]!.image = 'j';
    assert.notEqual(podTemplateHash(edited), podTemplateHash(t));
  });

  it('resolves short and long service names relative to the caller', () => {
    assert.deepEqual(parseServiceHost('httpbin', 'full'), { name: 'httpbin', namespace: 'full' });
    assert.deepEqual(parseServiceHost('httpbin.legacy', 'full'), { name: 'httpbin', namespace: 'legacy' });
    assert.deepEqual(parseServiceHost('httpbin.legacy.svc.cluster.local.', 'full'), {
      name: 'httpbin',
      namespace: 'legacy',
    });
    assert.equal(parseServiceHost('example.com.au', 'full'), undefined);
  });

  it('maps images to programs', () => {
    assert.deepEqual(imageProgram({ name: 'h', image: 'docker.io/kennethreitz/httpbin' }, {}), {
      kind: 'httpbin',
      port: 80,
    });
    assert.deepEqual(imageProgram({ name: 'h', image: 'mccutchen/go-httpbin:v2' }, {}), {
      kind: 'httpbin',
      port: 8080,
    });
    assert.deepEqual(
      imageProgram({ name: 's', image: 'governmentpaas/curl-ssl', command: ['/bin/sleep', '3650d'] }, {}),
      { kind: 'command', command: '/bin/sleep', args: ['3650d'] },
    );
    assert.deepEqual(
      imageProgram({ name: 'c', image: 'curlimages/curl:8', args: ['-s', '$(URL)'] }, { URL: 'http://x' }),
      {
        kind: 'command',
        command: 'curl',
        args: ['-s', 'http://x'],
      },
    );
    assert.equal(imageProgram({ name: 'n', image: 'nginx' }, {}).kind, 'unsupported');
  });

  it('gives exec the environment of the container, with the proxy of its pod', () => {
    const env = execEnvironment(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'sleep-1-abcde', namespace: 'legacy' },
        spec: { containers: [{ name: 'sleep', image: 'x', env: [{ name: 'A', value: 'b' }] }] },
        status: { podIP: '127.10.0.7' },
      },
      'sleep',
    );
    assert.equal(env?.['http_proxy'], 'http://127.10.0.7:15001');
    assert.equal(env?.['HTTP_PROXY'], 'http://127.10.0.7:15001');
    assert.equal(env?.['HOSTNAME'], 'sleep-1-abcde');
    assert.equal(env?.['POD_NAMESPACE'], 'legacy');
    assert.equal(env?.['A'], 'b');
    assert.match(env?.['NO_PROXY'] ?? '', /localhost/);
  });
});

describe('supervised process', () => {
  it('restarts with doubling back-off, counts restarts, and reports a program that cannot start', async () => {
    const starts: number[] = [];
    const proc = new SupervisedProcess({
      launch: () => {
        starts.push(Date.now());
        return spawn('/nonexistent/program', [], { stdio: 'ignore' });
      },
      backoff: { initialMs: 50, maxMs: 200 },
      onChange: () => undefined,
    });
    proc.start();
    await waitFor('4 starts', () => starts.length >= 5);
    await proc.stop();
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    assert.ok(gaps[0]! >= 45 && gaps[1]! >= 95 && gaps[3]! >= 195, `gaps ${gaps.join(',')}`);
    assert.ok(gaps[3]! < 1000, `capped: ${gaps.join(',')}`);
    assert.ok(proc.restartCount >= 4);
    assert.equal(proc.current.state, 'waiting');
    assert.equal((proc.current as { reason: string }).reason, 'CrashLoopBackOff');
    assert.match((proc.current as { message: string }).message, /ENOENT/);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const proc = new SupervisedProcess({
      launch: () => spawn('sh', ['-c', 'trap "" TERM; sleep 30 & wait'], { stdio: 'ignore', detached: true }),
      killGroup: true,
      stopGraceMs: 200,
      onChange: () => undefined,
    });
    proc.start();
    const pid = proc.pid!;
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await proc.stop();
    assert.ok(Date.now() - started >= 150);
    const groupGone = (): boolean => {
      try {
        process.kill(-pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    await waitFor('the whole process group gone', groupGone, 3000);
  });
});
