// Real etcd members for tests: one or three `etcd` processes on loopback, on free ports, each with
// a temporary data directory; `stop()` kills every process and removes every directory (an exit
// hook does the killing too, should the test process end first). Waits are bounded.

import { it } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdMember {
  name: string;
  clientPort: number;
  peerPort: number;
  process: ChildProcess;
  logFile: string;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** `127.0.0.1:PORT` of each member. */
  endpoints: string[];
  /** `etcd://127.0.0.1:PORT,...`, as `automesh up --store` takes it. */
  url: string;
  /** Makes member `index` the leader (etcdctl move-leader) and waits until it is. */
  makeLeader(index: number): Promise<void>;
  /** SIGKILLs one member (a crash: no clean shutdown) and waits for it to be gone. */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Why etcd tests cannot run here, or undefined when they can. */
export function etcdUnavailable(): string | undefined {
  for (const [binary, pkg, flag] of [
    ['etcd', 'etcd-server', '--version'],
    ['etcdctl', 'etcd-client', 'version'],
  ] as const) {
    const found = spawnSync(binary, [flag], { encoding: 'utf8' });
    if (found.error !== undefined || found.status !== 0) {
      return `${binary} is not on the PATH (apt-get install ${pkg}): the etcd store tests are skipped`;
    }
  }
  return undefined;
}

/**
 * Inside a describe: when etcd or etcdctl is missing, prints why, registers one skipped test named
 * `what` (so the skip shows in the summary, with its reason), and answers true.
 */
export function skipWithoutEtcd(what = 'runs against a real etcd'): boolean {
  const missing = etcdUnavailable();
  if (missing === undefined) return false;
  console.log(`# ${missing}`);
  it(what, { skip: missing }, () => undefined);
  return true;
}

function etcdctl(endpoints: readonly string[], args: string[]): string {
  const run = spawnSync('etcdctl', [`--endpoints=${endpoints.join(',')}`, '--command-timeout=5s', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (run.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false; // not listening yet, or no leader yet: asked again until the deadline
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startEtcdCluster(size: 1 | 3): Promise<EtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), 'automesh-etcd-'));
  const members: EtcdMember[] = [];
  const stop = async (): Promise<void> => {
    for (const m of members) {
      m.process.kill('SIGKILL');
      await exited(m.process);
      live.delete(m.process);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const ports = [];
    for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
    const initialCluster = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
    for (const [i, p] of ports.entries()) {
      const name = `m${i}`;
      const logFile = join(root, `${name}.log`);
      const log = openSync(logFile, 'a');
      const child = spawn(
        'etcd',
        [
          `--name=${name}`,
          `--data-dir=${join(root, name)}`,
          `--listen-client-urls=http://127.0.0.1:${p.client}`,
          `--advertise-client-urls=http://127.0.0.1:${p.client}`,
          `--listen-peer-urls=http://127.0.0.1:${p.peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${p.peer}`,
          `--initial-cluster=${initialCluster}`,
          '--initial-cluster-state=new',
          `--initial-cluster-token=automesh-test-${process.pid}`,
          '--logger=zap',
          '--log-level=warn',
        ],
        { stdio: ['ignore', log, log] },
      );
      closeSync(log);
      live.add(child);
      members.push({ name, clientPort: p.client, peerPort: p.peer, process: child, logFile });
    }
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    for (const m of members) {
      while (!(await healthy(m.clientPort))) {
        if (m.process.exitCode !== null) {
          throw new Error(
            `etcd ${m.name} exited (${m.process.exitCode}): ${readFileSync(m.logFile, 'utf8').slice(-2000)}`,
          );
        }
        if (Date.now() > deadline)
          throw new Error(`etcd ${m.name} not healthy within ${HEALTH_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const endpoints = members.map((m) => `127.0.0.1:${m.clientPort}`);
  return {
    members,
    endpoints,
    url: `etcd://${endpoints.join(',')}`,
    makeLeader: async (index) => {
      const statuses = (): { id: string; leader: boolean }[] =>
        etcdctl(endpoints, ['endpoint', 'status', '-w', 'simple'])
          .trim()
          .split('\n')
          .map((line) => line.split(',').map((f) => f.trim()))
          .map((f) => ({ id: f[1] as string, leader: f[4] === 'true' }));
      const target = statuses()[index] as { id: string };
      const current = statuses().findIndex((s) => s.leader);
      if (current !== index) etcdctl([endpoints[current] as string], ['move-leader', target.id]);
      for (let i = 0; i < 50 && !(statuses()[index] as { leader: boolean }).leader; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (!(statuses()[index] as { leader: boolean }).leader)
        throw new Error(`etcd m${index} did not become leader`);
    },
    kill: async (index) => {
      const m = members[index] as EtcdMember;
      m.process.kill('SIGKILL');
      await exited(m.process);
      live.delete(m.process);
    },
    stop,
  };
}
