// The real kubectl (1.32) against a real `automesh up`, with nothing but the kubeconfig that `up`
// writes: each kubectl command people use on a cluster, as they type it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startKubectlMesh, type KubectlMesh } from '../support/kubectl.js';

/** Pod IPs 127.31.x.y: apart from every other test's block. */
const ADDRESS_BLOCK = 31;

interface Kubeconfig {
  clusters: { cluster: Record<string, string> }[];
  users: { user: { token: string } }[];
}

describe('the real kubectl against automesh up', { timeout: 240_000 }, () => {
  let mesh: KubectlMesh;
  before(async () => {
    mesh = await startKubectlMesh(ADDRESS_BLOCK);
  });
  after(async () => {
    await mesh?.stop();
  });

  describe('the kubeconfig automesh up writes', () => {
    it('is private, names an https server and the CA that signs its certificate', () => {
      assert.equal(statSync(mesh.kubeconfig).mode & 0o777, 0o600);
      const config = parse(readFileSync(mesh.kubeconfig, 'utf8')) as Kubeconfig;
      const cluster = config.clusters[0]?.cluster ?? {};
      assert.match(cluster['server'] ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(
        Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64').toString(),
        /^-----BEGIN CERTIFICATE-----/,
      );
    });

    it('is used by kubectl as is: the server verified, the admin token sent', async () => {
      const result = await mesh.kubectl(['get', '--raw', '/api/v1/namespaces']);
      assert.equal(result.code, 0, result.stderr);
      const names = (JSON.parse(result.stdout) as { items: { metadata: { name: string } }[] }).items.map(
        (n) => n.metadata.name,
      );
      assert.deepEqual(names.sort(), ['default', 'istio-system']);
    });

    it('does not let kubectl in without the CA or with another token', async () => {
      const config = parse(readFileSync(mesh.kubeconfig, 'utf8')) as Kubeconfig;
      const noCa = structuredClone(config);
      delete noCa.clusters[0]?.cluster['certificate-authority-data'];
      const noCaFile = join(mesh.home, 'no-ca.kubeconfig');
      writeFileSync(noCaFile, stringify(noCa), { mode: 0o600 });
      const untrusted = await mesh.kubectl(['get', '--raw', '/api/v1/namespaces'], {
        env: { KUBECONFIG: noCaFile },
      });
      assert.notEqual(untrusted.code, 0);
      assert.match(untrusted.stderr, /x509: certificate signed by unknown authority/);

      const stranger = structuredClone(config);
      stranger.users[0]!.user.token = 'not-the-admin-token-0123456789';
      const strangerFile = join(mesh.home, 'stranger.kubeconfig');
      writeFileSync(strangerFile, stringify(stranger), { mode: 0o600 });
      const refused = await mesh.kubectl(['get', '--raw', '/api/v1/namespaces'], {
        env: { KUBECONFIG: strangerFile },
      });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Unauthorized/);
    });
  });
});
