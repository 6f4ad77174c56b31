// Fault: a control-plane replica killed with SIGKILL under a steady mTLS stream, with a second
// replica on the same etcd; then one etcd member killed. All real processes: three etcd members,
// `automesh up` (replica 1, with this machine's node agent and the pods) and `automesh control-plane`
// (replica 2), sleep → httpbin through both sidecars. The sidecars are started with both
// replicas' addresses (up's first, so they stream from replica 1, which also holds the controllers'
// lease). Killing replica 1 must cost no request: both sidecars resync on replica 2 (its
// proxy-status and their admin /control_plane say so) and renew their certificates there, the
// controllers' lease moves to replica 2, and a STRICT PeerAuthentication applied through replica 2
// afterwards reaches them. Then the etcd leader is SIGKILLed during sequential writes through
// replica 2: every write succeeds and none is lost.
//
// The node agent dies with replica 1 (they share `up`'s process); its pods keep running (they
// outlive `up`) and the node's heartbeats stop. Both replicas run with a 120 s node grace period so
// that the controllers, once on replica 2, do not mark the pods NotReady within this bounded run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../src/api/index.js';
import { ApiClient } from '../../src/controlplane/index.js';
import { runCli } from '../support/cli.js';
import { skipWithoutEtcd, startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { startReplicaProcess, type ReplicaProcess } from '../support/replica-process.js';
import { randomAddressBlock } from '../runtime/support.js';
import { apiBackend } from './support/api-backend.js';
import { proxyStatus } from './support/control-plane-process.js';
import {
  RequestStream,
  admin,
  createAll,
  describeFigures,
  httpGet,
  peerAuthentication,
  readyPods,
  sampleResources,
  sleep,
  untilReachable,
  waitFor,
} from './support/mesh.js';

const NS = 'replicakill';
const GRACE_SECONDS = '120';
const WRITES_MS = 6_000;

interface ControlPlaneView {
  discovery?: { connected: boolean; address: string; version?: string };
  ca?: { addresses: string[]; issuer?: string };
}

async function controlPlaneOf(podIP: string): Promise<ControlPlaneView | undefined> {
  const r = await admin(podIP, '/control_plane').catch(() => undefined);
  return r?.status === 200 ? (JSON.parse(r.body) as ControlPlaneView) : undefined;
}

async function inboundModes(podIP: string): Promise<string[]> {
  const r = await admin(podIP, '/config_dump').catch(() => undefined);
  if (r?.status !== 200) return [];
  const dump = JSON.parse(r.body) as { snapshot: { inbound: { mode: string }[] } };
  return dump.snapshot.inbound.map((l) => l.mode);
}

function etcdctl(endpoints: string[], args: string[]): string {
  const run = spawnSync('etcdctl', [`--endpoints=${endpoints.join(',')}`, '--command-timeout=3s', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return run.status === 0 ? run.stdout : '';
}

/** The pid in the controllers' leader key (`host:pid token`), or undefined while nobody leads. */
function controllersLeaderPid(endpoints: string[], prefix: string): number | undefined {
  const value = etcdctl(endpoints, ['get', `${prefix}/leader/controllers`, '--print-value-only']).trim();
  const pid = Number(/:(\d+) /.exec(value)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

describe('a control-plane replica killed with SIGKILL, then an etcd member', { timeout: 300_000 }, () => {
  if (skipWithoutEtcd()) return;
  it('costs no request and no write; the sidecars resync and renew on the other replica', async () => {
    const root = mkdtempSync(join(tmpdir(), 'automesh-fault-replica-'));
    const homeUp = join(root, 'up');
    const homeReplica = join(root, 'replica');
    const envUp = { AUTOMESH_HOME: homeUp, AUTOMESH_ADDRESS_BLOCK: String(randomAddressBlock()) };
    const envReplica = { AUTOMESH_HOME: homeReplica };
    const prefix = `/replica-kill/${randomUUID()}`;
    let cluster: EtcdCluster | undefined;
    let replica: ReplicaProcess | undefined;
    let stream: RequestStream | undefined;
    try {
      cluster = await startEtcdCluster(3);
      const c = cluster;
      const up = await runCli(
        ['up', '-d', '--store', c.url, '--etcd-prefix', prefix, '--node-monitor-grace-period', GRACE_SECONDS],
        { env: envUp },
      );
      assert.equal(up.code, 0, up.stderr);
      const upPid = Number(readFileSync(join(homeUp, 'automesh.pid'), 'utf8').trim());
      const upEndpoints = JSON.parse(readFileSync(join(homeUp, 'controlplane.json'), 'utf8')) as {
        caAddress: string;
        discoveryAddress: string;
      };
      const key = readFileSync(join(homeUp, 'certificate-key'), 'utf8').trim();
      replica = await startReplicaProcess(
        [
          '--store',
          c.url,
          '--etcd-prefix',
          prefix,
          '--certificate-key',
          key,
          '--node-monitor-grace-period',
          GRACE_SECONDS,
        ],
        envReplica,
      );
      const r2 = replica;
      // up's node agent reads the live replicas every 2 s: pods made from now get both.
      await sleep(2_500);
      const backendUp = await apiBackend(homeUp);
      await createAll(backendUp, sampleResources(NS));
      const [client] = await readyPods(backendUp, NS, 'sleep');
      const [server] = await readyPods(backendUp, NS, 'httpbin');
      const clientIP = (client as Pod).status?.podIP as string;
      const serverIP = (server as Pod).status?.podIP as string;
      await untilReachable(`http://${clientIP}:15001`, `http://httpbin.${NS}:8000/get`);
      for (const ip of [clientIP, serverIP]) {
        const view = await waitFor(`the sidecar at ${ip} on replica 1`, async () => {
          const v = await controlPlaneOf(ip);
          return v?.discovery?.connected === true && v;
        });
        assert.equal(view.discovery?.address, upEndpoints.discoveryAddress);
        assert.deepEqual(view.ca?.addresses, [upEndpoints.caAddress, r2.caAddress], 'given both replicas');
      }
      assert.equal(controllersLeaderPid(c.endpoints, prefix), upPid, 'replica 1 leads the controllers');
      // proxy-status through replica 2 lists the sidecars streaming from replica 1 (it asks it).
      const before = (await proxyStatus(homeReplica))?.items.filter((p) => p.namespace === NS) ?? [];
      assert.deepEqual(
        before.map((p) => p.controlPlane),
        [upEndpoints.discoveryAddress, upEndpoints.discoveryAddress],
        'proxy-status through replica 2 names replica 1 for both',
      );
      // And apply --wait through replica 2 waits for them too (replica 2 asks replica 1).
      const sync = await (
        await ApiClient.fromStateDir(homeReplica)
      ).getPath<{ converged: boolean; proxies: number }>('/debug/sync?timeoutMs=10000');
      assert.ok(sync.converged && sync.proxies >= 2, `sync through replica 2: ${JSON.stringify(sync)}`);
      const serialBefore = (JSON.parse((await admin(clientIP, '/certs')).body) as { serialNumber: string })
        .serialNumber;

      stream = new RequestStream(`http://${clientIP}:15001`, `http://httpbin.${NS}:8000/get`, 40);
      const started = Date.now();
      stream.start();
      await sleep(1_500);
      const killedAt = Date.now();
      const sentAtKill = stream.figures.sent;
      process.kill(upPid, 'SIGKILL');

      const resynced = await Promise.all(
        [clientIP, serverIP].map((ip) =>
          waitFor(
            `the sidecar at ${ip} streaming from replica 2`,
            async () => {
              const v = await controlPlaneOf(ip);
              return (
                v?.discovery?.connected === true && v.discovery.address === r2.discoveryAddress && Date.now()
              );
            },
            20_000,
          ),
        ),
      );
      const failoverMs = Math.max(...resynced) - killedAt;
      const renewedAt = await waitFor(
        'the client certificate renewed at replica 2',
        async () => {
          const v = await controlPlaneOf(clientIP);
          const certs = await admin(clientIP, '/certs').catch(() => undefined);
          const serial =
            certs?.status === 200 ? (JSON.parse(certs.body) as { serialNumber: string }).serialNumber : '';
          return v?.ca?.issuer === r2.caAddress && serial !== serialBefore && Date.now();
        },
        20_000,
      );
      await waitFor('proxy-status on replica 2 listing both sidecars synced there', async () => {
        const mine = (await proxyStatus(homeReplica))?.items.filter((p) => p.namespace === NS) ?? [];
        return mine.length === 2 && mine.every((p) => p.synced && p.controlPlane === r2.discoveryAddress);
      });
      const leaseMovedAt = await waitFor(
        "the controllers' lease on replica 2",
        () => controllersLeaderPid(c.endpoints, prefix) === r2.child.pid && Date.now(),
        30_000,
        200,
      );

      const announced = (): string[] =>
        etcdctl(c.endpoints, ['get', '--prefix', `${prefix}/replicas/`, '--print-value-only'])
          .trim()
          .split('\n')
          .filter((l) => l !== '');
      const droppedOutAt = await waitFor(
        'the dead replica out of the announcements',
        () => announced().length === 1 && Date.now(),
        30_000,
        200,
      );
      assert.ok(announced()[0]?.includes(r2.discoveryAddress), 'replica 2 still announced');

      // A policy applied after the kill, through replica 2, reaches the sidecars.
      const backendReplica = await apiBackend(homeReplica);
      const clientVersion = (await controlPlaneOf(clientIP))?.discovery?.version;
      const appliedAt = Date.now();
      await backendReplica.create(peerAuthentication(NS, 'STRICT'));
      await waitFor('STRICT on the server sidecar', async () => {
        const modes = await inboundModes(serverIP);
        return modes.length > 0 && modes.every((m) => m === 'STRICT');
      });
      const strictMs = Date.now() - appliedAt;
      const plain = await httpGet(`http://${serverIP}:8000/get`, { timeoutMs: 3_000 }).catch(
        (err: Error) => err,
      );
      assert.ok(plain instanceof Error || plain.status !== 200, 'plaintext refused under STRICT');
      const clientVersionAfter = await waitFor('a new snapshot on the client sidecar', async () => {
        const version = (await controlPlaneOf(clientIP))?.discovery?.version;
        return version !== undefined && version !== clientVersion && version;
      });

      // Then the etcd leader, under sequential writes through replica 2.
      await c.makeLeader(0);
      const acked: string[] = [];
      const writeFailures: string[] = [];
      const writesStarted = Date.now();
      let memberKilledAt = 0;
      for (let i = 0; Date.now() - writesStarted < WRITES_MS; i++) {
        if (memberKilledAt === 0 && Date.now() - writesStarted > 1_500) {
          memberKilledAt = Date.now();
          await c.kill(0);
        }
        const name = `acked-${i}`;
        try {
          await backendReplica.create({
            apiVersion: 'v1',
            kind: 'ServiceAccount',
            metadata: { name, namespace: NS },
          });
          acked.push(name);
        } catch (err) {
          writeFailures.push(`${name}: ${(err as Error).message}`);
        }
      }
      const stored = new Set(
        (await backendReplica.list('ServiceAccount', { namespace: NS })).items.map((r) => r.metadata.name),
      );
      const lost = acked.filter((n) => !stored.has(n));
      const figures = await stream.stop();
      stream = undefined;
      console.log(
        `${describeFigures('replica 1 SIGKILL, then etcd leader SIGKILL', figures, (Date.now() - started) / 1000)}; ` +
          `${figures.sent - sentAtKill} sent from the kill on, ${figures.failures.filter((f) => f.at >= killedAt).length} failed; ` +
          `both sidecars resynced on replica 2 ${failoverMs} ms after the kill, client certificate renewed there ` +
          `${renewedAt - killedAt} ms after; controllers' lease moved ${leaseMovedAt - killedAt} ms after, ` +
          `the dead replica left the announcements ${droppedOutAt - killedAt} ms after; ` +
          `STRICT reached the server sidecar ${strictMs} ms after it was applied (client snapshot ` +
          `${clientVersion} -> ${clientVersionAfter}); etcd leader killed: ${acked.length} writes acknowledged, ` +
          `${writeFailures.length} failed, ${lost.length} lost`,
      );
      assert.deepEqual(figures.failures, [], 'no request fails');
      // A dead leader's lease expires within its TTL (10 s); another replica campaigns every 1 s.
      assert.ok(
        leaseMovedAt - killedAt < 15_000,
        `the lease moved within TTL + retry (${leaseMovedAt - killedAt} ms)`,
      );
      assert.deepEqual(writeFailures, [], 'every write succeeds with one etcd member down');
      assert.deepEqual(lost, [], 'no acknowledged write is lost');
      assert.ok(acked.length > 20, `writes went on (${acked.length})`);
    } finally {
      await stream?.stop();
      await replica?.kill();
      // up was killed: down stops the pod processes it left (and up too, should the test have failed before).
      const down = await runCli(['down'], { env: envUp });
      if (down.code !== 0) console.log(`down: ${down.stderr}`);
      await cluster?.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
