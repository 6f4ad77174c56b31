// The real kubectl (1.32) against a real `automesh up`, with nothing but the kubeconfig that `up`
// writes: each kubectl command people use on a cluster, as they type it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { KINDS } from '../../src/api/index.js';
import { startKubectlMesh, type KubectlMesh } from '../support/kubectl.js';

/** Pod IPs 127.31.x.y: apart from every other test's block. */
const ADDRESS_BLOCK = 31;
const NS = 'kube';
const STRICT = `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
  namespace: ${NS}
spec:
  mtls:
    mode: STRICT
`;

/** The rows of kubectl's table output, each split on runs of spaces. */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s{2,}/));
}

interface Kubeconfig {
  clusters: { cluster: Record<string, string> }[];
  users: { user: { token: string } }[];
}

describe('the real kubectl against automesh up', { timeout: 240_000 }, () => {
  let mesh: KubectlMesh;
  before(async () => {
    mesh = await startKubectlMesh(ADDRESS_BLOCK);
    const setup = [
      await mesh.automesh(['create', 'ns', NS]),
      await mesh.automesh(['apply', '-f', 'samples/httpbin/httpbin.yaml', '-n', NS]),
      await mesh.automesh(['apply', '-f', 'samples/sleep/sleep.yaml', '-n', NS]),
      await mesh.automesh(['apply', '-f', '-'], { input: STRICT }),
      await mesh.automesh(['wait', '--for=condition=Ready', 'pods', '--all', '-n', NS, '--timeout=60s']),
    ];
    for (const step of setup) assert.equal(step.code, 0, step.stderr);
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
      assert.deepEqual(names.sort(), ['default', 'istio-system', NS]);
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

  describe('discovery', () => {
    it('lists every kind automesh serves in kubectl api-resources, from the kinds registry', async () => {
      const result = await mesh.kubectl(['api-resources']);
      assert.equal(result.code, 0, result.stderr);
      const table = rows(result.stdout);
      assert.deepEqual(table[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      const lines = new Set(table.slice(1).map((r) => r.join(' ')));
      for (const kind of KINDS) {
        for (const apiVersion of kind.apiVersions.slice(0, 1)) {
          const short = kind.shortNames.length === 0 ? [] : [kind.shortNames.join(',')];
          const line = [kind.plural, ...short, apiVersion, String(kind.namespaced), kind.kind].join(' ');
          assert.ok(lines.has(line), `api-resources lists ${line}:\n${result.stdout}`);
        }
      }
      assert.ok(lines.has('deployments extensions/v1beta1 true Deployment'), result.stdout);
    });

    it('answers kubectl version with the Kubernetes API level', async () => {
      const result = await mesh.kubectl(['version']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Server Version: v1\.32\.0-automesh$/m);
      assert.equal(result.stderr, '', 'no version skew warning');
    });

    it('gets pods across namespaces, Istio kinds by name, and several kinds at once', async () => {
      const pods = await mesh.kubectl(['get', 'pods', '-A']);
      assert.equal(pods.code, 0, pods.stderr);
      const podRows = rows(pods.stdout);
      assert.deepEqual(podRows[0]?.slice(0, 2), ['NAMESPACE', 'NAME']);
      assert.deepEqual(
        podRows.slice(1).map((r) => [r[0], r[1]?.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')]),
        [
          [NS, 'httpbin'],
          [NS, 'sleep'],
        ],
      );

      const pa = await mesh.kubectl(['get', 'peerauthentication', '-A']);
      assert.equal(pa.code, 0, pa.stderr);
      assert.deepEqual(
        rows(pa.stdout).map((r) => r.slice(0, 2)),
        [
          ['NAMESPACE', 'NAME'],
          [NS, 'default'],
        ],
      );

      const both = await mesh.kubectl(['get', 'deploy,svc', '-n', NS]);
      assert.equal(both.code, 0, both.stderr);
      assert.equal(both.stderr, '', 'no warning (deploy names one resource)');
      const names = rows(both.stdout).map((r) => r[0]);
      for (const name of [
        'deployment.apps/httpbin',
        'deployment.apps/sleep',
        'service/httpbin',
        'service/sleep',
      ])
        assert.ok(names.includes(name), `${name} in:\n${both.stdout}`);
    });

    it('says NotFound for a kind automesh does not serve', async () => {
      const result = await mesh.kubectl(['get', 'widgets']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /the server doesn't have a resource type "widgets"/);
    });
  });
});
