// A runtime killed with SIGKILL leaves its pods running; the next runtime on the same state
// directory adopts the processes that still belong to their pod (same UID, same spec), keeps their
// addresses, supervises them from then on, and kills and restarts everything else.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, Pod } from '../../src/api/index.js';
import { SqliteConfigStore } from '../../src/store/index.js';
import { startLocalNode } from './local-node.js';
import type { NodeAgent } from '../../src/runtime/index.js';
import { childScriptArgv } from '../support/child-script.js';
import { NS, adoptionOptions, deployment, service } from './adoption-support.js';
import { curl, podProcesses, randomAddressBlock, running, waitFor } from './support.js';

const isReady = (p: Pod): boolean => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** Runs the first runtime as a child process; resolves once its pods are Ready. */
async function startRuntimeProcess(stateDir: string, block: number): Promise<ChildProcess> {
  const argv = childScriptArgv(new URL('./runtime-main.ts', import.meta.url));
  const child = spawn(process.execPath, [...argv, stateDir, String(block)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('runtime process not ready within 30 s')), 30_000);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runtime process exited with ${code} during start`));
    });
  });
  return child;
}

function pidOf(stateDir: string, pod: string, container: string): number | undefined {
  const file = join(stateDir, 'pods', NS, pod, `${container}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
}

function podOf(pods: Pod[], app: string): Pod {
  const pod = pods.find((p) => p.metadata.labels?.['app'] === app);
  assert.ok(pod, `a pod of ${app}`);
  return pod;
}

/** A process that is not a pod's container at all, recorded as if it were one. */
function stranger(env: Record<string, string>): ChildProcess {
  return spawn('sleep', ['60'], {
    env: { PATH: process.env['PATH'], ...env },
    detached: true,
    stdio: 'ignore',
  });
}

describe('a runtime started after another was killed', () => {
  const block = randomAddressBlock();
  const prefix = `127.${block}.`;
  const stateDir = mkdtempSync(join(tmpdir(), 'automesh-adopt-'));
  let store: SqliteConfigStore;
  let runtime: NodeAgent | undefined;
  let initial: Pod[] = [];
  const pids = new Map<string, number | undefined>();
  let impostor: ChildProcess | undefined;
  let unrelated: ChildProcess | undefined;
  /** Ready → not Ready transitions written for pods that were adopted. */
  const blips: string[] = [];

  before(async () => {
    const setup = SqliteConfigStore.inStateDir(stateDir);
    await setup.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const name of ['web', 'plain', 'gone', 'changed']) {
      await setup.create(deployment(name, name !== 'plain'));
      await setup.create(service(name));
    }
    await setup.close();

    const first = await startRuntimeProcess(stateDir, block);
    store = SqliteConfigStore.inStateDir(stateDir);
    initial = (await store.list('Pod', { namespace: NS })).items as Pod[];
    assert.equal(initial.length, 4);
    assert.ok(initial.every(isReady), 'the first runtime got every pod Ready');
    for (const p of initial) {
      for (const c of ['httpbin', 'istio-proxy'])
        pids.set(`${p.metadata.name}/${c}`, pidOf(stateDir, p.metadata.name, c));
    }
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;

    // While no runtime runs: plain's app dies and its pid is taken by a process that claims to be
    // the pod's (no UID marker); an unrelated process sits in another pid file; gone's pod is
    // deleted; changed's template changes.
    const plain = podOf(initial, 'plain');
    const plainApp = pids.get(`${plain.metadata.name}/httpbin`)!;
    process.kill(-plainApp, 'SIGKILL');
    await waitFor('plain app gone', () => !running(plainApp));
    impostor = stranger({ POD_NAME: plain.metadata.name });
    writeFileSync(join(stateDir, 'pods', NS, plain.metadata.name, 'httpbin.pid'), `${impostor.pid}\n`);
    unrelated = stranger({});
    writeFileSync(join(stateDir, 'pods', NS, plain.metadata.name, 'other.pid'), `${unrelated.pid}\n`);
    const gone = podOf(initial, 'gone');
    await store.delete('Pod', NS, gone.metadata.name);
    const changed = (await store.get('Deployment', NS, 'changed')) as Deployment;
    changed.spec.template.metadata!.labels = { ...changed.spec.template.metadata!.labels, version: 'v2' };
    await store.update(changed);

    const adoptedNames = new Set([podOf(initial, 'web').metadata.name]);
    store.watch({ kinds: ['Pod'] }, (e) => {
      const pod = e.object as Pod;
      if (e.type === 'MODIFIED' && adoptedNames.has(pod.metadata.name) && !isReady(pod)) {
        blips.push(`${pod.metadata.name} ${JSON.stringify(pod.status?.conditions)}`);
      }
    });
    runtime = await startLocalNode(adoptionOptions(store, stateDir, block, 'b'));
    await runtime.settle();
  });

  after(async () => {
    await runtime?.stop();
    impostor?.kill('SIGKILL');
    unrelated?.kill('SIGKILL');
    await store?.close();
    rmSync(stateDir, { recursive: true, force: true });
    assert.deepEqual(podProcesses(prefix), [], 'no pod process left');
  });

  const current = async (): Promise<Pod[]> => (await store.list('Pod', { namespace: NS })).items as Pod[];

  it('adopts the app and sidecar of an unchanged pod: same name, address and processes, never NotReady', async () => {
    const web = podOf(initial, 'web');
    const now = podOf(await current(), 'web');
    assert.equal(now.metadata.name, web.metadata.name);
    assert.equal(now.metadata.uid, web.metadata.uid);
    assert.equal(now.status?.podIP, web.status?.podIP);
    assert.ok(isReady(now));
    for (const c of ['httpbin', 'istio-proxy']) {
      const pid = pids.get(`${web.metadata.name}/${c}`);
      assert.ok(pid !== undefined && running(pid), `${c} still runs`);
      assert.equal(pidOf(stateDir, web.metadata.name, c), pid, `${c} is the same process`);
      assert.equal(now.status?.containerStatuses?.find((s) => s.name === c)?.restartCount, 0);
    }
    assert.deepEqual(blips, [], 'no NotReady status written for an adopted pod');
    const token = readFileSync(join(stateDir, 'pods', NS, web.metadata.name, 'token'), 'utf8');
    assert.match(token, /^token-b:/, 'the pod token is refreshed by the new runtime');
  });

  it('starts the plain service proxy again and replaces a process that only claims to be the pod', async () => {
    const plain = podOf(initial, 'plain');
    const now = await waitFor('plain Ready', async () => {
      const p = podOf(await current(), 'plain');
      return isReady(p) && p;
    });
    assert.equal(now.metadata.name, plain.metadata.name);
    assert.equal(now.status?.podIP, plain.status?.podIP, 'keeps its address');
    const app = pidOf(stateDir, plain.metadata.name, 'httpbin');
    assert.ok(app !== undefined && app !== impostor?.pid && running(app), 'a new app process');
    await waitFor('the impostor killed', () => impostor?.exitCode !== null || impostor.signalCode !== null);
    assert.equal(running(unrelated!.pid!), true, 'an unrelated process is left alone');
    const r = await curl(['-w', ' %{http_code}', `http://plain.${NS}:8000/get`], {
      http_proxy: `http://${now.status?.podIP}:15001`,
    });
    assert.match(r.stdout, / 200$/, 'the plain proxy on podIP:15001 serves again');
  });

  it('kills the processes of a pod deleted, or whose template changed, while no runtime ran', async () => {
    const pods = await current();
    for (const app of ['gone', 'changed']) {
      const old = podOf(initial, app);
      assert.notEqual(podOf(pods, app).metadata.name, old.metadata.name, `${app} has a new pod`);
      for (const c of ['httpbin', 'istio-proxy']) {
        const pid = pids.get(`${old.metadata.name}/${c}`)!;
        await waitFor(`${app} ${c} (${pid}) killed`, () => !running(pid));
      }
    }
    assert.equal(pods.length, 4, 'the old pods are gone from the store');
  });

  it('restarts an adopted process that exits, through the normal back-off', async () => {
    const web = podOf(initial, 'web');
    const pid = pids.get(`${web.metadata.name}/httpbin`)!;
    process.kill(-pid, 'SIGKILL');
    const now = await waitFor(
      'web restarted and Ready',
      async () => {
        const p = podOf(await current(), 'web');
        const s = p.status?.containerStatuses?.find((c) => c.name === 'httpbin');
        return s?.restartCount === 1 && isReady(p) && p;
      },
      10_000,
    );
    const restarted = pidOf(stateDir, web.metadata.name, 'httpbin');
    assert.ok(restarted !== undefined && restarted !== pid && running(restarted));
    assert.equal(now.status?.podIP, web.status?.podIP);
  });

  it('stops adopted processes on stop()', async () => {
    const web = podOf(initial, 'web');
    const sidecar = pids.get(`${web.metadata.name}/istio-proxy`)!;
    assert.equal(running(sidecar), true, 'the adopted sidecar still runs');
    await runtime!.stop();
    runtime = undefined;
    assert.equal(running(sidecar), false);
    assert.deepEqual(podProcesses(prefix), []);
  });
});
