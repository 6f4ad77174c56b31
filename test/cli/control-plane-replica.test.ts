// `automesh control-plane` through the real CLI on a real etcd, beside an `automesh up`: the
// second replica serves the same mesh (a write through one is read through the other, its own
// serving certificate from the shared CA), both are announced in etcd and the one that stops
// drops out at once; the controllers run on one. Bad flags and a wrong certificate key give one
// clear line, and a replica with a wrong key writes nothing to etcd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomAddressBlock } from '../runtime/support.js';
import { runCli } from '../support/cli.js';
import { skipWithoutEtcd, startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { startReplicaProcess, type ReplicaProcess } from '../support/replica-process.js';
import { waitFor } from '../support/wait-for.js';

function etcdctl(cluster: EtcdCluster, args: string[]): string {
  const run = spawnSync('etcdctl', [`--endpoints=${cluster.endpoints.join(',')}`, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

function etcdRevision(cluster: EtcdCluster): number {
  const out = JSON.parse(etcdctl(cluster, ['get', 'x', '-w', 'json'])) as { header: { revision: number } };
  return out.header.revision;
}

/** The keys under `prefix` written after `revision` (keys come base64-encoded in etcdctl's JSON). */
function writtenSince(cluster: EtcdCluster, prefix: string, revision: number): string[] {
  const out = JSON.parse(etcdctl(cluster, ['get', '--prefix', prefix, '-w', 'json'])) as {
    kvs?: { key: string; mod_revision: number }[];
  };
  return (out.kvs ?? [])
    .filter((kv) => kv.mod_revision > revision)
    .map((kv) => Buffer.from(kv.key, 'base64').toString());
}

describe('automesh control-plane (a second replica on etcd)', { timeout: 240_000 }, () => {
  if (skipWithoutEtcd()) return;
  let cluster: EtcdCluster | undefined;
  const root = mkdtempSync(join(tmpdir(), 'automesh-replica-cli-'));
  const homeUp = join(root, 'up');
  const homeReplica = join(root, 'replica');
  const block = String(randomAddressBlock());
  const envUp = { AUTOMESH_HOME: homeUp, AUTOMESH_ADDRESS_BLOCK: block };
  const envReplica = { AUTOMESH_HOME: homeReplica };
  const prefix = `/replica-cli/${randomUUID()}`;
  let replica: ReplicaProcess | undefined;
  before(async () => {
    cluster = await startEtcdCluster(1);
  });
  after(async () => {
    await replica?.kill();
    await runCli(['down'], { env: envUp });
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses bad flags with one clear line', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^error: --store etcd:\/\/HOST:PORT\[,\.\.\.\] is required: automesh control-plane/],
      [['--store', 'sqlite'], /^error: --store sqlite: replicas need a store they share/],
      [['--store', 'etcd://127.0.0.1'], /^error: "127\.0\.0\.1" in etcd:\/\/127\.0\.0\.1 is not HOST:PORT/],
      [
        ['--store', 'etcd://127.0.0.1:1', '--listen', 'example'],
        /^error: --listen "example" is not an IP address/,
      ],
      [
        ['--store', 'etcd://127.0.0.1:1', '--listen', '0.0.0.0'],
        /^error: --listen 0\.0\.0\.0: give the one address/,
      ],
      [['--store', 'etcd://127.0.0.1:1', '--api-port', '70000'], /^error: --api-port "70000" is not a port/],
      [
        ['--store', 'etcd://127.0.0.1:1', '--certificate-key', 'abc'],
        /^error: --certificate-key must be 64 hex digits/,
      ],
      [['--nope'], /^error: unknown flag: --nope/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['control-plane', ...args], { env: { AUTOMESH_HOME: join(root, 'bad') } });
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
    }
    const help = await runCli(['control-plane', '--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--store', '--etcd-prefix', '--certificate-key', '--listen', '--api-port']) {
      assert.ok(help.stdout.includes(flag), `--help names ${flag}`);
    }
  });

  it('serves the same mesh as automesh up, announced in etcd, and leaves cleanly', async () => {
    const c = cluster as EtcdCluster;
    const up = await runCli(['up', '-d', '--store', c.url, '--etcd-prefix', prefix], { env: envUp });
    assert.equal(up.code, 0, up.stderr);
    const key = readFileSync(join(homeUp, 'certificate-key'), 'utf8').trim();

    // A wrong key: one line naming what failed, and not one write to etcd.
    const revision = etcdRevision(c);
    const wrongHome = join(root, 'wrong');
    const wrong = await runCli(
      ['control-plane', '--store', c.url, '--etcd-prefix', prefix, '--certificate-key', 'e'.repeat(64)],
      { env: { AUTOMESH_HOME: wrongHome } },
    );
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /^error: the certificate key does not open the cluster secrets in etcd at .*\/secrets\/cluster/,
    );
    // up's node agent keeps writing its Node's heartbeat meanwhile; nothing else may change.
    const written = writtenSince(c, prefix, revision).filter((k) => !k.startsWith(`${prefix}/r/Node/`));
    assert.deepEqual(written, [], 'nothing written to etcd by the replica with a wrong key');
    assert.deepEqual(existsSync(wrongHome) ? readdirSync(wrongHome) : [], [], 'nothing written to its home');

    replica = await startReplicaProcess(
      ['--store', c.url, '--etcd-prefix', prefix, '--certificate-key', key],
      envReplica,
    );
    assert.match(replica.output(), /2 replica\(s\) live/);
    const announced = etcdctl(c, ['get', '--prefix', `${prefix}/replicas/`, '--print-value-only']);
    assert.ok(announced.includes(replica.discoveryAddress), announced);
    assert.equal(announced.trim().split('\n').length, 2);

    // Written through the replica, read through up's API server (and the other way round).
    const file = join(root, 'ns.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-replica\n');
    const applied = await runCli(['apply', '-f', file], { env: envReplica });
    assert.equal(applied.code, 0, applied.stderr);
    const got = await runCli(['get', 'namespace', 'from-replica', '-o', 'name'], { env: envUp });
    assert.equal(got.stdout.trim(), 'namespace/from-replica', got.stderr);
    const nodes = await runCli(['get', 'nodes', '-o', 'name'], { env: envReplica });
    assert.match(nodes.stdout, /^node\//m, nodes.stderr);
    // One admin credential: up's kubeconfig token is the replica's.
    const token = (home: string): string =>
      /token: (\S+)/.exec(readFileSync(join(home, 'admin.kubeconfig'), 'utf8'))?.[1] ?? '';
    assert.equal(token(homeReplica), token(homeUp));
    assert.equal(
      etcdctl(c, ['get', '--prefix', `${prefix}/leader/controllers`, '--print-value-only'])
        .trim()
        .split('\n').length,
      1,
      'one controllers leader',
    );

    const code = await replica.stop();
    replica = undefined;
    assert.equal(code, 0);
    await waitFor(
      'the stopped replica to drop out',
      () => {
        const now = etcdctl(c, ['get', '--prefix', `${prefix}/replicas/`, '--keys-only'])
          .trim()
          .split('\n');
        return now.filter((l) => l !== '').length === 1;
      },
      5_000,
    );
  });
});
