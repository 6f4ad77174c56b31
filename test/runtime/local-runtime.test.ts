import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, Endpoints, Pod } from '../../src/api/index.js';
import { injectSidecar } from '../../src/api/index.js';
import { killLeftoverProcesses } from '../../src/runtime/index.js';
import type { NodeAgent, SidecarContext } from '../../src/runtime/index.js';
import { startLocalNode } from './local-node.js';
import type { LocalNodeOptions } from './local-node.js';
import { FakeBackend } from './fake-backend.js';
import { alive, curl, podProcesses, randomAddressBlock, waitFor } from './support.js';
import { deployment, service, HTTPBIN, SLEEP } from './workloads.js';

const NAME = /^([a-z0-9-]+)-([bcdfghjklmnpqrstvwxz2456789]{1,10})-([bcdfghjklmnpqrstvwxz2456789]{5})$/;

function readProc(pid: number): string {
  try {
    return `${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ')} ${readFileSync(`/proc/${pid}/stat`, 'latin1').split(' ')[2]}`;
  } catch (err) {
    return String(err);
  }
}

const isReady = (p: Pod): boolean => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** A stand-in sidecar: answers 200 on podIP:15000/ready, nothing else (the sidecar is not under test here). */
function fakeSidecar(pod: Pod, ctx: SidecarContext): ReturnType<typeof spawn> {
  const script = `require('http').createServer((q, s) => s.end('ok')).listen(15000, ${JSON.stringify(ctx.podIP)}); process.on('SIGTERM', () => process.exit(0));`;
  return spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { POD_IP: ctx.podIP, POD_NAME: pod.metadata.name },
  });
}

describe('leftover processes', () => {
  it('kills a pod process recorded in the state directory whose runtime died', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-leftover-'));
    const podDir = join(stateDir, 'pods', 'ns', 'web-abc-12345');
    mkdirSync(podDir, { recursive: true });
    const child = spawn('sleep', ['30'], {
      env: { PATH: process.env['PATH'], POD_NAME: 'web-abc-12345' },
      detached: true,
    });
    const exited = new Promise((r) => child.once('exit', r));
    writeFileSync(join(podDir, 'web.pid'), `${child.pid}\n`);
    const unrelated = spawn('sleep', ['30'], { env: { PATH: process.env['PATH'] } });
    writeFileSync(join(podDir, 'other.pid'), `${unrelated.pid}\n`);
    try {
      assert.deepEqual(killLeftoverProcesses(stateDir), [child.pid]);
      await exited;
      assert.equal(alive(unrelated.pid!), true, 'a recycled pid of another process is left alone');
    } finally {
      unrelated.kill('SIGKILL');
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('local runtime', () => {
  const block = randomAddressBlock();
  const prefix = `127.${block}.`;
  const stateDir = mkdtempSync(join(tmpdir(), 'automesh-runtime-'));
  const backend = new FakeBackend();
  const sidecarCalls: SidecarContext[] = [];
  let tokensMinted = 0;
  let runtime: NodeAgent;
  const options: LocalNodeOptions = {
    backend,
    stateDir,
    addressBlock: block,
    isRoot: false,
    backoff: { initialMs: 100, maxMs: 400 },
    stopGraceMs: 1000,
    startSidecar: (pod, ctx) => {
      sidecarCalls.push(ctx);
      return fakeSidecar(pod, ctx);
    },
    mintPodToken: (b) =>
      `token-for:${b.namespace}/${b.serviceAccount}/${b.pod}/${b.podUid}#${++tokensMinted}`,
    podTokenRefreshMs: 300,
  };
  const pods = (ns: string, app?: string): Pod[] =>
    backend.all<Pod>('Pod', ns).filter((p) => app === undefined || p.metadata.labels?.['app'] === app);

  before(async () => {
    await backend.create(deployment('httpbin', 'legacy', { replicas: 2, containers: HTTPBIN }));
    await backend.create(service('httpbin', 'legacy', 8000, 80));
    await backend.create(deployment('sleep', 'legacy', { replicas: 1, containers: SLEEP }));
    runtime = await startLocalNode(options);
  });

  after(async () => {
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('turns a Deployment into N Ready pods with Kubernetes names and their own IPs', async () => {
    const ready = await waitFor('httpbin pods Ready', () => {
      const list = pods('legacy', 'httpbin');
      return list.length === 2 && list.every(isReady) && list;
    });
    const ips = new Set<string>();
    for (const p of ready) {
      const m = NAME.exec(p.metadata.name);
      assert.ok(m, p.metadata.name);
      assert.equal(m[1], 'httpbin');
      assert.equal(p.metadata.labels?.['pod-template-hash'], m[2]);
      assert.equal(p.status?.phase, 'Running');
      assert.ok(p.status?.podIP?.startsWith(prefix));
      ips.add(p.status?.podIP ?? '');
      assert.equal(p.spec.serviceAccountName, 'default');
      assert.deepEqual(
        p.status?.containerStatuses?.map((c) => [c.name, c.ready, c.restartCount]),
        [['httpbin', true, 0]],
      );
      // Port 80 is remapped when not root; users keep seeing 80 everywhere else.
      assert.equal(await tcpOpen(p.status?.podIP ?? '', 15080), true);
    }
    assert.equal(ips.size, 2);
    const endpoints = await waitFor('endpoints with 2 addresses', () => {
      const ep = backend.all<Endpoints>('Endpoints', 'legacy').find((e) => e.metadata.name === 'httpbin');
      return ep?.subsets?.[0]?.addresses?.length === 2 && ep;
    });
    assert.deepEqual(new Set(endpoints.subsets?.[0]?.addresses?.map((a) => a.ip)), ips);
    assert.deepEqual(endpoints.subsets?.[0]?.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
  });

  it('lets a pod without a sidecar reach a service through the plain service proxy', async () => {
    const sleep = await waitFor('sleep Ready', () => pods('legacy', 'sleep').find(isReady));
    const r = await curl(['-w', 'response code: %{http_code}\n', 'http://httpbin.legacy:8000/headers'], {
      http_proxy: `http://${sleep.status?.podIP}:15001`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"Host": "httpbin.legacy:8000"/);
    assert.match(r.stdout, /response code: 200\n$/);
  });

  it('restarts a crashing container with back-off and counts the restarts', async () => {
    await backend.create(
      deployment('crasher', 'legacy', {
        replicas: 1,
        containers: [
          { name: 'crash', image: 'busybox', command: ['sh', '-c', 'echo started $POD_NAME; exit 3'] },
        ],
      }),
    );
    const pod = await waitFor('two restarts', () =>
      pods('legacy', 'crasher').find((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2),
    );
    assert.equal(isReady(pod), false);
    const log = readFileSync(join(stateDir, 'pods', 'legacy', pod.metadata.name, 'crash.log'), 'utf8');
    assert.ok((log.match(/started /g)?.length ?? 0) >= 2, log);
    assert.match(log, new RegExp(`started ${pod.metadata.name}`));
  });

  it('reports an image it cannot run as ErrImageUnsupported', async () => {
    await backend.create(
      deployment('mystery', 'legacy', {
        replicas: 1,
        containers: [{ name: 'm', image: 'example/unknown:1' }],
      }),
    );
    const pod = await waitFor('status', () =>
      pods('legacy', 'mystery').find((p) => p.status?.containerStatuses !== undefined),
    );
    assert.equal(pod.status?.phase, 'Pending');
    const waiting = pod.status?.containerStatuses?.[0]?.state['waiting'] as { reason?: string } | undefined;
    assert.equal(waiting?.reason, 'ErrImageUnsupported');
  });

  it('starts the sidecar for an injected pod, writes its token (and a fresh one while it runs), and puts the app on the app host', async () => {
    const injected = injectSidecar(deployment('httpbin', 'full', { replicas: 1, containers: HTTPBIN }));
    await backend.create({
      ...injected,
      spec: {
        ...injected.spec,
        template: {
          ...injected.spec.template,
          spec: { ...injected.spec.template.spec, serviceAccountName: 'httpbin' },
        },
      },
    });
    const pod = await waitFor('injected pod Ready', () => pods('full').find(isReady));
    assert.deepEqual(
      pod.status?.containerStatuses?.map((c) => [c.name, c.ready]),
      [
        ['httpbin', true],
        ['istio-proxy', true],
      ],
    );
    const ctx = sidecarCalls.find((c) => c.podIP === pod.status?.podIP);
    assert.ok(ctx);
    assert.equal(ctx.appHost, pod.status?.podIP?.replace(`127.${block}.`, `127.${block + 1}.`));
    assert.equal(await tcpOpen(ctx.appHost, 15080), true, 'app listens on the app host');
    assert.equal(
      await tcpOpen(pod.status?.podIP ?? '', 15080),
      false,
      'nothing but the sidecar may listen on podIP:port',
    );
    assert.equal(statSync(ctx.tokenPath).mode & 0o777, 0o600);
    const first = readFileSync(ctx.tokenPath, 'utf8');
    assert.match(first, new RegExp(`^token-for:full/httpbin/${pod.metadata.name}/${pod.metadata.uid}#\\d+$`));
    // The sidecar re-reads the file when it needs its token: it must stay fresh while the pod runs.
    const starts = sidecarCalls.length;
    const fresh = await waitFor('a fresh token', () => {
      const now = readFileSync(ctx.tokenPath, 'utf8');
      return now !== first && now;
    });
    assert.match(fresh, new RegExp(`^token-for:full/httpbin/${pod.metadata.name}/${pod.metadata.uid}#\\d+$`));
    assert.equal(statSync(ctx.tokenPath).mode & 0o777, 0o600);
    assert.equal(sidecarCalls.length, starts, 'without restarting the sidecar');
  });

  it('runs a bare Pod as it is and stops it when it is deleted', async () => {
    const bare: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'lonely', namespace: 'legacy', labels: { app: 'lonely' } },
      spec: { containers: SLEEP },
    };
    await backend.create(bare);
    const running = await waitFor('bare pod Ready', () => pods('legacy', 'lonely').find(isReady));
    assert.equal(running.metadata.name, 'lonely');
    assert.equal(podProcesses(running.status?.podIP ?? 'none').length, 1);
    await backend.delete('Pod', 'legacy', 'lonely');
    await waitFor(
      'bare pod processes gone',
      () => podProcesses(running.status?.podIP ?? 'none').length === 0,
    );
  });

  it('replaces the pods when the template changes and stops them when the Deployment goes', async () => {
    const before = pods('legacy', 'sleep');
    assert.equal(before.length, 1);
    const old = backend.all<Deployment>('Deployment', 'legacy').find((d) => d.metadata.name === 'sleep')!;
    const changed = structuredClone(old);
    changed.spec.template.spec.containers[0]!.env = [{ name: 'GREETING', value: 'hi' }];
    await backend.update(changed);
    const replaced = await waitFor('new sleep pod', () => {
      const list = pods('legacy', 'sleep');
      return (
        list.length === 1 &&
        list[0]!.metadata.name !== before[0]!.metadata.name &&
        isReady(list[0]!) &&
        list[0]!
      );
    });
    assert.notEqual(
      replaced.metadata.labels?.['pod-template-hash'],
      before[0]!.metadata.labels?.['pod-template-hash'],
    );
    await backend.delete('Deployment', 'legacy', 'sleep');
    await waitFor('sleep pods gone', () => pods('legacy', 'sleep').length === 0);
    await runtime.settle();
    assert.deepEqual(podProcesses(replaced.status?.podIP ?? 'none'), []);
  });

  it('brings the same pods back after a restart, and stop() leaves no process behind', async () => {
    await runtime.settle();
    const names = pods('legacy', 'httpbin')
      .map((p) => `${p.metadata.name}@${p.status?.podIP}`)
      .sort();
    const running = podProcesses(prefix);
    assert.ok(running.length >= 3, `pod processes: ${running.length}`);
    await runtime.stop();
    const describe = (pids: number[]): string[] => pids.map((pid) => `${pid}: ${readProc(pid)}`);
    assert.deepEqual(describe(running.filter(alive)), []);
    assert.deepEqual(describe(podProcesses(prefix)), []);
    runtime = await startLocalNode(options);
    await waitFor('httpbin back', () => pods('legacy', 'httpbin').filter(isReady).length === 2);
    assert.deepEqual(
      pods('legacy', 'httpbin')
        .map((p) => `${p.metadata.name}@${p.status?.podIP}`)
        .sort(),
      names,
    );
  });
});
