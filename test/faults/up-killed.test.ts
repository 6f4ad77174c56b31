// Fault: `automesh up -d` itself (control plane and runtime in one process) killed with SIGKILL
// under a steady mTLS stream, then started again on the same state directory with the real CLI.
// The pod processes (children without a death signal) keep serving while it is down, and the new
// `up` adopts them instead of restarting them, as a kubelet restart leaves containers running: no
// request fails across the whole run, the pods keep their names, addresses and sidecar processes,
// and they never look NotReady. `automesh down` then stops the adopted processes too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../src/api/index.js';
import { runCli } from '../support/cli.js';
import { apiBackend } from './support/api-backend.js';
import type { ApiBackend } from './support/api-backend.js';
import { proxyStatus } from './support/control-plane-process.js';
import {
  RequestStream,
  createAll,
  describeFigures,
  isReady,
  readyPods,
  sampleResources,
  sleep,
  waitFor,
  untilReachable,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = String(ADDRESS_BLOCKS.upKilled);
const NS = 'upkill';
const DOWN_MS = 5_000;
/** How long the stream runs on after the restart, so that late churn would show. */
const AFTER_RESTART_MS = 6_000;

/** container name → pid, from the pid files of every pod of `namespace`. */
function podPids(home: string, namespace: string): Map<string, number> {
  const root = join(home, 'pods', namespace);
  const pids = new Map<string, number>();
  if (!existsSync(root)) return pids;
  for (const pod of readdirSync(root)) {
    for (const file of readdirSync(join(root, pod)).filter((f) => f.endsWith('.pid'))) {
      pids.set(`${pod}/${file.slice(0, -4)}`, Number(readFileSync(join(root, pod, file), 'utf8').trim()));
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

const podNames = async (backend: ApiBackend): Promise<string[]> =>
  ((await backend.list('Pod', { namespace: NS })).items as Pod[]).map((p) => p.metadata.name).sort();

/** Records every moment a pod of NS is seen not Ready (the API server being down is not counted). */
class ReadinessWatch {
  readonly notReady: string[] = [];
  private stopped = false;
  private done: Promise<void> | undefined;

  constructor(private readonly backend: ApiBackend) {}

  start(): void {
    this.done = (async () => {
      for (let i = 0; i < 2_000 && !this.stopped; i++) {
        const pods = await this.backend.list('Pod', { namespace: NS }).catch(() => undefined);
        for (const p of (pods?.items ?? []) as Pod[]) {
          if (!isReady(p)) this.notReady.push(`${p.metadata.name} at ${new Date().toISOString()}`);
        }
        await sleep(100);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

describe('automesh up killed with SIGKILL', { timeout: 180_000 }, () => {
  it('keeps serving while it is down and adopts the running pods when it is started again', async () => {
    const home = mkdtempSync(join(tmpdir(), 'automesh-fault-up-'));
    const env = { AUTOMESH_HOME: home, AUTOMESH_ADDRESS_BLOCK: ADDRESS_BLOCK };
    let stream: RequestStream | undefined;
    let readiness: ReadinessWatch | undefined;
    let pidsBefore = new Map<string, number>();
    let left: number[] = [];
    try {
      const up = await runCli(['up', '-d'], { env });
      assert.equal(up.code, 0, up.stderr);
      const backend = await apiBackend(home);
      await createAll(backend, sampleResources(NS));
      const [client] = await readyPods(backend, NS, 'sleep');
      const [server] = await readyPods(backend, NS, 'httpbin');
      const acked: string[] = [];
      for (let i = 0; i < 20; i++) {
        const name = `acked-${i}`;
        await backend.create({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name, namespace: NS },
        });
        acked.push(name);
      }

      await untilReachable(`http://${client!.status!.podIP}:15001`, `http://httpbin.${NS}:8000/get`);
      const namesBefore = await podNames(backend);
      pidsBefore = podPids(home, NS);
      assert.equal(pidsBefore.size, 4, `app and sidecar of both pods: ${[...pidsBefore.keys()].join(', ')}`);
      stream = new RequestStream(
        `http://${client!.status!.podIP}:15001`,
        `http://httpbin.${NS}:8000/get`,
        40,
      );
      readiness = new ReadinessWatch(backend);
      const started = Date.now();
      stream.start();
      readiness.start();
      await sleep(1_000);
      const upPid = Number(readFileSync(join(home, 'automesh.pid'), 'utf8').trim());
      const killedAt = Date.now();
      const sentBefore = stream.figures.sent;
      process.kill(upPid, 'SIGKILL');
      await sleep(DOWN_MS);
      const downFailures = stream.failuresSince(killedAt);
      const sentWhileDown = stream.figures.sent - sentBefore;
      assert.deepEqual(downFailures, [], 'the orphaned pods keep serving while up is down');

      const restartAt = Date.now();
      const sentBeforeRestart = stream.figures.sent;
      const again = await runCli(['up', '-d'], { env });
      assert.equal(again.code, 0, again.stderr);
      const upMs = Date.now() - restartAt;
      await readyPods(backend, NS, 'sleep');
      await readyPods(backend, NS, 'httpbin');
      const readyMs = Date.now() - restartAt;
      await waitFor('both sidecars reconnected and synced', async () => {
        const mine = (await proxyStatus(home))?.items.filter((p) => p.namespace === NS) ?? [];
        return mine.length === 2 && mine.every((p) => p.synced);
      });
      const syncedMs = Date.now() - restartAt;
      await sleep(Math.max(0, AFTER_RESTART_MS - (Date.now() - restartAt)));
      const figures = await stream.stop();
      await readiness.stop();
      const sentAfterRestart = figures.sent - sentBeforeRestart;
      const restartFailures = figures.failures.filter((f) => f.at >= restartAt);

      const pods = (await backend.list('Pod', { namespace: NS })).items as Pod[];
      const namesAfter = pods.map((p) => p.metadata.name).sort();
      const pidsAfter = podPids(home, NS);
      const restartCounts = pods.flatMap((p) =>
        (p.status?.containerStatuses ?? []).map((c) => `${c.name} ${c.restartCount}`),
      );
      const stored = new Set(
        (await backend.list('ServiceAccount', { namespace: NS })).items.map((r) => r.metadata.name),
      );
      const lost = acked.filter((n) => !stored.has(n));
      console.log(
        `${describeFigures('automesh up SIGKILL', figures, (Date.now() - started) / 1000)}; ` +
          `down ${DOWN_MS} ms: ${sentWhileDown} sent, ${downFailures.length} failed; ` +
          `restart: up -d ${upMs} ms, pods Ready in the store ${readyMs} ms and sidecars synced ` +
          `${syncedMs} ms after it began, ${sentAfterRestart} sent from the restart on, ` +
          `${restartFailures.length} failed; NotReady observations ${readiness.notReady.length}; ` +
          `${acked.length} acknowledged writes, ${lost.length} lost; pods ${namesAfter.join(', ')} ` +
          `(before: ${namesBefore.join(', ')}); restart counts ${restartCounts.join(', ')}`,
      );
      assert.deepEqual(figures.failures, [], 'no request fails across the whole run');
      assert.deepEqual(namesAfter, namesBefore, 'the same pods, not new ones');
      assert.equal(
        pods.find((p) => p.metadata.name === client!.metadata.name)?.status?.podIP,
        client!.status!.podIP,
      );
      assert.equal(
        pods.find((p) => p.metadata.name === server!.metadata.name)?.status?.podIP,
        server!.status!.podIP,
      );
      assert.deepEqual(pidsAfter, pidsBefore, 'the same app and sidecar processes, adopted');
      assert.deepEqual(readiness.notReady, [], 'the adopted pods never looked NotReady');
      assert.deepEqual(lost, [], 'every acknowledged write survived');
    } finally {
      await stream?.stop();
      await readiness?.stop();
      const down = await runCli(['down'], { env });
      if (down.code !== 0) console.log(`down: ${down.stderr}`);
      left = [...pidsBefore.values()].filter(alive);
      rmSync(home, { recursive: true, force: true });
    }
    assert.deepEqual(left, [], 'automesh down stops the adopted processes too');
  });
});
