// Joining a host, against a real control plane on loopback: the CA pin and the join token are
// checked, the node credential is held to its node (NodeRestriction), TokenRequest gives pod tokens
// only for the node's own pods, and a node agent on the API (ApiBackend) runs a pod bound to it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, Pod } from '../../src/api/index.js';
import { podIsReady } from '../../src/api/index.js';
import {
  ApiClient,
  ApiClientError,
  startControlPlane,
  type ControlPlane,
} from '../../src/controlplane/index.js';
import { JoinTokenRegistry, JOIN_TOKENS_FILE } from '../../src/controlplane/nodes/index.js';
import { caCertHash } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { ApiBackend, ApiServers, startNodeAgent, type NodeAgent } from '../../src/runtime/index.js';
import { joinCluster } from '../../src/cli/node/join-cluster.js';
import { randomAddressBlock } from '../runtime/support.js';
import { relay } from '../support/tcp-relay.js';
import { waitFor } from '../support/wait-for.js';

const NS = 'default';

async function refusal(call: Promise<unknown>): Promise<ApiClientError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiClientError) return err;
    throw err;
  }
  throw new Error('expected the API server to refuse');
}

function pod(name: string, nodeName: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      nodeName,
      containers: [{ name: 'c', image: 'docker.io/kennethreitz/httpbin', ports: [{ containerPort: 80 }] }],
    },
  };
}

describe('automesh node join (API side)', () => {
  let stateDir: string;
  let cp: ControlPlane;
  let admin: ApiClient;
  let token: string;
  let hash: string;
  let node: ApiClient;
  let nodeToken: string;
  const agents: NodeAgent[] = [];
  const agentDirs: string[] = [];

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'automesh-join-'));
    cp = await startControlPlane({ stateDir, logger: silentLogger });
    admin = await ApiClient.fromStateDir(stateDir);
    const issued = await admin.postPath<{ token: string; caCertHash: string; apiServers: string[] }>(
      '/apis/automesh.io/v1/jointokens',
      { ttlSeconds: 600 },
    );
    token = issued.token;
    hash = issued.caCertHash;
    assert.deepEqual(issued.apiServers, [cp.apiServer]);
  });
  after(async () => {
    for (const a of agents) await a.stop();
    await cp?.close();
    rmSync(stateDir, { recursive: true, force: true });
    for (const d of agentDirs) rmSync(d, { recursive: true, force: true });
  });

  const address = () => cp.apiServer.replace('https://', '');

  it('makes kubeadm-shaped tokens, kept hashed, and pins the root by its public key', () => {
    assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.equal(hash, caCertHash(cp.rootCertPem));
    assert.match(hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(statSync(join(stateDir, JOIN_TOKENS_FILE)).mode & 0o777, 0o600);
  });

  it('refuses a control plane whose root has another hash', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(
      joinCluster({ controlPlanes: [address()], token, caCertHash: wrong, nodeName: 'n1' }),
      /refusing to join: the control plane at https:\/\/127\.0\.0\.1:\d+ presents a root whose hash is sha256:[0-9a-f]{64}, not the --ca-cert-hash sha256:0{64}/,
    );
  });

  it('answers an unknown join token with 401 and says what to do', async () => {
    await assert.rejects(
      joinCluster({
        controlPlanes: [address()],
        token: 'abcdef.0123456789abcdef',
        caCertHash: hash,
        nodeName: 'n1',
      }),
      /join token is invalid or expired; make a new one on the control plane with 'automesh node token create'/,
    );
  });

  it('counts an expired token as invalid', async () => {
    let now = Date.now();
    const registry = new JoinTokenRegistry(mkdtempSync(join(tmpdir(), 'automesh-jt-')), () => now);
    const issued = await registry.create(60);
    assert.equal(await registry.isValid(issued.token), true);
    assert.equal(await registry.isValid(`${issued.token.slice(0, 7)}${'a'.repeat(16)}`), false);
    now += 61_000;
    assert.equal(await registry.isValid(issued.token), false);
  });

  it('trades a valid token for a credential bound to the node name', async () => {
    const joined = await joinCluster({
      controlPlanes: ['127.0.0.1:1', address()],
      token,
      caCertHash: hash,
      nodeName: 'n1',
    });
    assert.equal(joined.localAddress, '127.0.0.1');
    assert.equal(joined.info.caAddress, cp.caAddress);
    assert.equal(joined.info.discoveryAddress, cp.discoveryAddress);
    nodeToken = joined.credential;
    node = new ApiClient({
      server: joined.server,
      token: joined.credential,
      certificateAuthorityPem: joined.info.rootCertPem,
    });
  });

  it('lets a node write only its own Node, read what an agent reads, and nothing else', async () => {
    const own = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} } as const;
    await node.create(own);
    assert.equal((await refusal(node.create({ ...own, metadata: { name: 'n2' } }))).httpStatus, 403);
    const ns = await refusal(node.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }));
    assert.equal(ns.httpStatus, 403);
    assert.match(ns.message, /node "n1" cannot create Namespace objects/);
    assert.equal((await refusal(node.list('ConfigMap'))).httpStatus, 403);
    assert.equal((await refusal(node.delete('Node', 'n1'))).httpStatus, 403);
    assert.equal((await refusal(node.getPath('/debug/proxy-status'))).httpStatus, 403);
    await node.list('Pod');
    await node.list('Service');
    // Its role and node-restriction labels are not its to set (pods pinned by them go elsewhere).
    const current = await node.get('Node', 'n1');
    const relabelled = await node.update({
      ...current,
      metadata: {
        ...current.metadata,
        labels: {
          'node-role.kubernetes.io/control-plane': '',
          'node-restriction.kubernetes.io/zone': 'a',
          own: 'yes',
        },
      },
    });
    assert.deepEqual(relabelled.metadata.labels, { own: 'yes' });
    const nobody = new ApiClient({
      server: cp.apiServer,
      token: 'not-a-credential-at-all',
      certificateAuthorityPem: cp.rootCertPem,
    });
    assert.equal((await refusal(nobody.list('Pod'))).httpStatus, 401);
  });

  it('lets a node write the status of its own pods only, and nothing but the status', async () => {
    await admin.create(pod('mine', 'n1'));
    await admin.create(pod('theirs', 'n2'));
    const mine = await node.get<Pod>('Pod', 'mine', { namespace: NS });
    const written = await node.update<Pod>({
      ...mine,
      metadata: { ...mine.metadata, labels: { app: 'changed' } },
      status: { phase: 'Running', podIP: '127.1.2.3' },
    });
    assert.equal(written.status?.phase, 'Running');
    assert.deepEqual(written.metadata.labels, { app: 'mine' }, "labels are not the node's to change");
    const theirs = await node.get<Pod>('Pod', 'theirs', { namespace: NS });
    const refused = await refusal(node.update({ ...theirs, status: { phase: 'Failed' } }));
    assert.equal(refused.httpStatus, 403);
    assert.match(refused.message, /not bound to this node/);
  });

  it('gives a node pod tokens (TokenRequest) for its own pods only', async () => {
    const request = (name: string, uid: string | undefined) =>
      node.postPath<{ status: { token: string; expirationTimestamp: string } }>(
        `/api/v1/namespaces/${NS}/serviceaccounts/default/token`,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { boundObjectRef: { kind: 'Pod', name, uid } },
        },
      );
    const mine = await admin.get<Pod>('Pod', 'mine', { namespace: NS });
    const answer = await request('mine', mine.metadata.uid);
    assert.equal(answer.status.token.split('.').length, 3);
    assert.ok(Date.parse(answer.status.expirationTimestamp) > Date.now());
    const theirs = await admin.get<Pod>('Pod', 'theirs', { namespace: NS });
    assert.equal((await refusal(request('theirs', theirs.metadata.uid))).httpStatus, 403);
    assert.equal((await refusal(request('mine', 'another-uid'))).httpStatus, 404);
    await admin.delete('Pod', 'mine', { namespace: NS });
    await admin.delete('Pod', 'theirs', { namespace: NS });
  });

  it('moves to the next API server when one cannot be reached, for calls and watches', async () => {
    const down = new ApiClient({
      server: 'https://127.0.0.1:1',
      token: 'x'.repeat(20),
      certificateAuthorityPem: cp.rootCertPem,
    });
    const backend = new ApiBackend(new ApiServers([down, node]), silentLogger);
    const nodes = await backend.list('Node');
    assert.ok(nodes.items.some((n) => n.metadata.name === 'n1'));
    const seen: string[] = [];
    const stop = new ApiBackend(new ApiServers([down, node]), silentLogger).watch({ kinds: ['Pod'] }, (e) =>
      seen.push(`${e.type} ${e.object.metadata.name}`),
    );
    try {
      // The first server is down: the watch lists and follows on the second after its back-off.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await admin.create(pod('watched', 'n9'));
      await waitFor('the watch event', () => seen.includes('ADDED watched'), 15_000, 100);
    } finally {
      stop();
      await admin.delete('Pod', 'watched', { namespace: NS });
    }
  });

  it('lists again after a broken watch and reports what changed meanwhile', async () => {
    const cut = await relay(Number(new URL(cp.apiServer).port));
    const through = new ApiClient(
      { server: `https://127.0.0.1:${cut.port}`, token: nodeToken, certificateAuthorityPem: cp.rootCertPem },
      { requestTimeoutMs: 2_000 },
    );
    await admin.create(pod('before', 'n9'));
    const seen: string[] = [];
    const stop = new ApiBackend(through, silentLogger).watch({ kinds: ['Pod'] }, (e) =>
      seen.push(`${e.type} ${e.object.metadata.name}`),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      cut.cut();
      await admin.delete('Pod', 'before', { namespace: NS });
      await admin.create(pod('during', 'n9'));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(seen.length, 0, 'nothing gets through while cut');
      cut.restore();
      await waitFor(
        'the changes made while cut',
        () => seen.includes('DELETED before') && seen.includes('ADDED during'),
        20_000,
        100,
      );
    } finally {
      stop();
      await cut.close();
      await admin.delete('Pod', 'during', { namespace: NS });
    }
  });

  it('runs a node agent over the API: its pod starts, gets Ready, and its status is written through the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'automesh-joined-'));
    agentDirs.push(dir);
    const agent = await startNodeAgent({
      backend: new ApiBackend(node, silentLogger),
      stateDir: dir,
      nodeName: 'n1',
      addressBlock: randomAddressBlock(),
      heartbeatMs: 300,
    });
    agents.push(agent);
    const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'remote', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'remote' } },
        template: {
          metadata: { labels: { app: 'remote' } },
          spec: {
            nodeName: 'n1',
            containers: [
              { name: 'httpbin', image: 'docker.io/kennethreitz/httpbin', ports: [{ containerPort: 80 }] },
            ],
          },
        },
      },
    };
    await admin.create(deployment);
    const ready = await waitFor(
      'the pod on n1 Ready',
      async () => {
        const pods = (await admin.list<Pod>('Pod', { namespace: NS, labelSelector: 'app=remote' })).items;
        return pods.find((p) => podIsReady(p));
      },
      30_000,
      200,
    );
    assert.equal(ready.spec.nodeName, 'n1');
    assert.equal(ready.status?.hostIP, '127.0.0.1');
    // A deletion reaches the agent through its watch: the pod's processes stop.
    await admin.delete('Deployment', 'remote', { namespace: NS });
    await waitFor('the agent to drop the pod', () => agent.pods().length === 0, 30_000, 200);
  });
});
