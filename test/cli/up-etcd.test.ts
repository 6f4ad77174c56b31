// `automesh up --store etcd://...` through the real CLI against a real etcd: what is applied lands
// in etcd under the chosen prefix (no SQLite file is made), reads back through the CLI, and is
// still there for an `up` started again from a config file. An etcd that is not there gives one
// clear line naming the address, within the bounded wait.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';
import { runCli } from '../support/cli.js';
import { skipWithoutEtcd, startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';

const ADDRESS_BLOCK = String(ADDRESS_BLOCKS.upEtcd);
const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: etcdcli
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: etcdcli
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 8080
`;

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

describe('automesh up --store etcd://', { timeout: 180_000 }, () => {
  if (skipWithoutEtcd()) return;
  let cluster: EtcdCluster | undefined;
  const home = mkdtempSync(join(tmpdir(), 'automesh-up-etcd-'));
  const env = { AUTOMESH_HOME: home, AUTOMESH_ADDRESS_BLOCK: ADDRESS_BLOCK };
  before(async () => {
    cluster = await startEtcdCluster(1);
  });
  after(async () => {
    await runCli(['down'], { env });
    await cluster?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps what is applied in etcd under the prefix, and reads it back through the CLI', async () => {
    const url = (cluster as EtcdCluster).url;
    const prefix = `/cli-test/${randomUUID()}`;
    const up = await runCli(['up', '-d', '--store', url, '--etcd-prefix', prefix], { env });
    assert.equal(up.code, 0, up.stderr);
    // The first control plane of the store prints the certificate key once, never into its log.
    const key = /^ {2}([0-9a-f]{64})$/m.exec(up.stdout)?.[1];
    assert.ok(key !== undefined, up.stdout);
    assert.match(
      up.stdout,
      new RegExp(`automesh control-plane --store ${url} --etcd-prefix ${prefix} --certificate-key ${key}`),
    );
    assert.equal(readFileSync(join(home, 'certificate-key'), 'utf8').trim(), key);
    assert.equal(statSync(join(home, 'certificate-key')).mode & 0o777, 0o600);
    assert.ok(!readFileSync(join(home, 'automesh.log'), 'utf8').includes(key), 'the key is not in the log');
    assert.equal(existsSync(join(home, 'ca')), false, 'no CA files in $AUTOMESH_HOME with etcd');
    const file = join(home, 'web.yaml');
    writeFileSync(file, MANIFEST);
    const applied = await runCli(['apply', '-f', file], { env });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /service\/web created/);

    const keys = spawnSync(
      'etcdctl',
      [
        `--endpoints=${(cluster as EtcdCluster).endpoints.join(',')}`,
        'get',
        '--prefix',
        '--keys-only',
        `${prefix}/r/Service/`,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.match(keys.stdout, new RegExp(`^${prefix}/r/Service/etcdcli/web$`, 'm'), keys.stderr);
    assert.equal(existsSync(join(home, 'store.db')), false, 'no SQLite file when the store is etcd');

    // Down, then up again from a config file with the same setting: the object is still there.
    assert.equal((await runCli(['down'], { env })).code, 0);
    const config = join(home, 'automesh.yaml');
    writeFileSync(config, `store: ${url}\netcdPrefix: ${prefix}\n`);
    const again = await runCli(['up', '-d', '--config', config], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /certificate key/, 'printed only by the start that made it');
    const got = await runCli(
      ['get', 'service', 'web', '-n', 'etcdcli', '-o', 'jsonpath={.spec.ports[0].port}'],
      { env },
    );
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.trim(), '8080');
    assert.equal((await runCli(['down'], { env })).code, 0);
  });

  it('says in one line which etcd it could not reach, within the bounded wait', async () => {
    const port = await closedPort();
    const started = Date.now();
    const up = await runCli(['up', '--store', `etcd://127.0.0.1:${port}`], { env, timeoutMs: 30_000 });
    const tookMs = Date.now() - started;
    assert.equal(up.code, 1);
    assert.match(
      up.stderr,
      new RegExp(
        `^error: cannot reach etcd at 127\\.0\\.0\\.1:${port} within 5 s .*Start it, or fix the address\\n$`,
      ),
    );
    assert.doesNotMatch(up.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(tookMs < 20_000, `gave up after ${tookMs} ms`);

    const bad = await runCli(['up', '--store', 'etcd://127.0.0.1'], { env });
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      'error: "127.0.0.1" in etcd://127.0.0.1 is not HOST:PORT (a port from 1 to 65535; IPv6 as [ADDR]:PORT)\n',
    );
  });
});
