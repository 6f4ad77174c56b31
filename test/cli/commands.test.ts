// The kubectl/istioctl-style commands run through the real CLI (a child process) against a real
// API server started here on 127.0.0.1 over a memory store, with a temporary AUTOMESH_HOME.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Deployment, Pod } from '../../src/api/index.js';
import {
  ApiClient,
  ensureAdminCredential,
  startApiServer,
  type ApiServer,
} from '../../src/controlplane/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import { cliCommand, REPO_ROOT, runCli, type CliResult } from '../support/cli.js';
import { apiTestTls } from '../support/api-tls.js';

const HTTPBIN = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: httpbin
---
apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 80
  selector:
    app: httpbin
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin
spec:
  replicas: 1
  selector:
    matchLabels:
      app: httpbin
  template:
    metadata:
      labels:
        app: httpbin
    spec:
      serviceAccountName: httpbin
      containers:
      - image: docker.io/kennethreitz/httpbin
        name: httpbin
        ports:
        - containerPort: 80
`;

/** Runs a bash script (for process substitution), without blocking this process. */
function bash(script: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end();
  });
}

function pod(name: string, app: string, ready: boolean[], ip: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'full', labels: { app } },
    spec: { containers: ready.map((_, i) => ({ name: i === 0 ? app : 'istio-proxy', image: 'x' })) },
    status: {
      phase: 'Running',
      podIP: ip,
      conditions: [{ type: 'Ready', status: ready.every(Boolean) ? 'True' : 'False' }],
      containerStatuses: ready.map((r, i) => ({
        name: i === 0 ? app : 'istio-proxy',
        ready: r,
        restartCount: 0,
        state: { running: {} },
      })),
    },
  };
}

describe('automesh get/apply/create/delete/wait/install against a real API server', () => {
  let server: ApiServer;
  let store: MemoryConfigStore;
  let client: ApiClient;
  let home: string;
  const syncAsked: string[] = [];
  let syncAnswer: object = { converged: true, proxies: 0, notSynced: [] };
  const cli = (args: string[], input?: string): Promise<CliResult> =>
    runCli(args, { env: { AUTOMESH_HOME: home }, ...(input === undefined ? {} : { input }) });

  before(async () => {
    store = new MemoryConfigStore();
    home = await mkdtemp(join(tmpdir(), 'automesh-cli-'));
    const { token } = await ensureAdminCredential(home);
    const { tls, caPem } = await apiTestTls();
    server = await startApiServer({
      store,
      adminToken: token,
      tls,
      // Stands in for discovery's /debug/sync, which `apply --wait` asks.
      extraHandlers: [
        (req, res) => {
          const url = new URL(req.url ?? '/', 'http://localhost');
          if (url.pathname !== '/debug/sync') return false;
          syncAsked.push(url.searchParams.get('timeoutMs') ?? '');
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'SyncResult', revision: 1, ...syncAnswer }));
          return true;
        },
      ],
    });
    const credential = await ensureAdminCredential(home, {
      server: server.url,
      certificateAuthorityPem: caPem,
    });
    client = new ApiClient(credential);
  });

  after(async () => {
    await server.close();
    await store.close();
    await rm(home, { recursive: true, force: true });
  });

  it('installs with the seed flags, storing the values and a PERMISSIVE MeshPolicy', async () => {
    const result = await cli([
      'manifest',
      'apply',
      '--set',
      'profile=demo',
      '--set',
      'values.global.mtls.auto=true',
      '--set',
      'values.global.mtls.enabled=false',
    ]);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, '✔ Mesh values applied\n✔ Installation complete\n');
    assert.equal(result.code, 0);
    const values = await client.get<ConfigMap>('ConfigMap', 'automesh', { namespace: 'istio-system' });
    assert.deepEqual(
      [
        values.data?.['profile'],
        values.data?.['values.global.mtls.auto'],
        values.data?.['values.global.mtls.enabled'],
      ],
      ['demo', 'true', 'false'],
    );
  });

  it('prints the MeshPolicy mode with kubectl indentation through -o yaml', async () => {
    const result = await cli(['get', 'meshpolicies', '-o', 'yaml']);
    assert.equal(result.code, 0);
    assert.deepEqual(
      result.stdout.split('\n').filter((l) => l.includes(' mode')),
      ['        mode: PERMISSIVE'],
    );
  });

  it('refuses an unknown --set key, naming it, and changes nothing', async () => {
    const result = await cli(['install', '--set', 'values.global.mtls.bogus=true']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: --set values\.global\.mtls\.bogus: unknown key/);
    assert.equal(result.stdout, '');
  });

  it('creates a namespace once, then reports AlreadyExists as kubectl does', async () => {
    const first = await cli(['create', 'ns', 'full']);
    assert.deepEqual([first.code, first.stdout, first.stderr], [0, 'namespace/full created\n', '']);
    const again = await cli(['create', 'namespace', 'full']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'Error from server (AlreadyExists): namespaces "full" already exists\n');
  });

  it('applies from stdin with kubectl wording, then reports everything unchanged', async () => {
    const first = await cli(['apply', '-n', 'full', '-f', '-'], HTTPBIN);
    assert.equal(first.stderr, '');
    assert.equal(
      first.stdout,
      'serviceaccount/httpbin created\nservice/httpbin created\ndeployment.apps/httpbin created\n',
    );
    const again = await cli(['apply', '-f', '-', '-nfull'], HTTPBIN);
    assert.equal(
      again.stdout,
      'serviceaccount/httpbin unchanged\nservice/httpbin unchanged\ndeployment.apps/httpbin unchanged\n',
    );
  });

  it('waits for the proxies with --wait and names the ones that did not acknowledge', async () => {
    syncAnswer = {
      converged: false,
      proxies: 2,
      notSynced: [{ namespace: 'full', pod: 'sleep-1', nackError: 'bad listener' }],
    };
    const result = await cli(['apply', '--wait', '--timeout=5s', '-n', 'full', '-f', '-'], HTTPBIN);
    assert.deepEqual(syncAsked, ['5000']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^serviceaccount\/httpbin unchanged\n/);
    assert.equal(
      result.stderr,
      'error: timed out waiting for 1 of 2 proxies to acknowledge the configuration: full/sleep-1 (rejected: bad listener)\n',
    );
  });

  it('injects the sidecar into workloads of a namespace labelled istio-injection=enabled', async () => {
    const labelled = `apiVersion: v1
kind: Namespace
metadata:
  name: auto
  labels:
    istio-injection: enabled
---
${HTTPBIN}`;
    const result = await cli(['apply', '-n', 'auto', '-f', '-'], labelled);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^namespace\/auto created\n/);
    const stored = await client.get<Deployment>('Deployment', 'httpbin', { namespace: 'auto' });
    assert.deepEqual(
      stored.spec.template.spec.containers.map((c) => c.name),
      ['httpbin', 'istio-proxy'],
    );
    assert.equal(stored.spec.template.metadata?.labels?.['security.istio.io/tlsMode'], 'istio');
  });

  it('applies a process-substitution path (/dev/fd) and says configured for a change', async () => {
    const policy = `apiVersion: authentication.istio.io/v1alpha1
kind: Policy
metadata:
  name: httpbin
spec:
  targets:
  - name: httpbin
  peers:
  - mtls: {}
`;
    const command = [process.execPath, ...cliCommand()].map((a) => `'${a}'`).join(' ');
    // Async: the API server runs in this process, so blocking here would starve it.
    const result = await bash(`${command} apply -f <(printf '%s' "$P") -n full`, {
      AUTOMESH_HOME: home,
      P: policy,
    });
    assert.deepEqual(
      [result.code, result.stdout, result.stderr],
      [0, 'policy.authentication.istio.io/httpbin created\n', ''],
    );
    const changed = await cli(['apply', '-n', 'full', '-f', '-'], policy.replace('  - mtls: {}\n', ''));
    assert.equal(changed.stdout, 'policy.authentication.istio.io/httpbin configured\n');
  });

  it('refuses a manifest with a bad document whole, naming every problem, storing nothing', async () => {
    const bad = `apiVersion: v1
kind: Service
metadata:
  name: good-one
spec:
  ports:
  - port: 80
---
apiVersion: authentication.istio.io/v1alpha1
kind: Policy
metadata:
  name: strictish
spec:
  targets:
  - name: httpbin
  peers:
  - mtls:
      mode: STRICTT
`;
    const result = await cli(['apply', '-n', 'full', '-f', '-'], bad);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.ok(lines.length >= 1 && lines.every((l) => l.startsWith('error: ')), result.stderr);
    assert.match(result.stderr, /document 2 \(Policy\/strictish\): spec\.peers\[0\]\.mtls\.mode/);
    assert.equal(await client.find('Service', 'good-one', { namespace: 'full' }), undefined);
  });

  it('lists pods with kubectl columns, READY 2/2 with a sidecar and 1/1 without', async () => {
    await client.create(pod('httpbin-dcd949489-5cndk', 'httpbin', [true, true], '127.0.1.2'));
    await client.create(pod('sleep-58d6644d44-gb55j', 'sleep', [true], '127.0.1.3'));
    const result = await cli(['get', 'pods', '-n', 'full']);
    assert.equal(result.code, 0);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], 'NAME                      READY   STATUS    RESTARTS   AGE');
    assert.match(lines[1]!, /^httpbin-dcd949489-5cndk {3}2\/2 {5}Running {3}0 {10}\d+s$/);
    assert.match(lines[2]!, /^sleep-58d6644d44-gb55j {4}1\/1 {5}Running {3}0 {10}\d+s$/);
    assert.equal(lines.length, 4);
  });

  it('prints pod names through jsonpath, as the seed feeds them to exec', async () => {
    const result = await cli([
      'get',
      'pod',
      '-l',
      'app=sleep',
      '-n',
      'full',
      '-o',
      'jsonpath={.items..metadata.name}',
    ]);
    assert.deepEqual([result.code, result.stdout], [0, 'sleep-58d6644d44-gb55j']);
  });

  it('words missing objects and empty lists as kubectl does', async () => {
    const missing = await cli(['get', 'pods', 'nope', '-n', 'full']);
    assert.deepEqual(
      [missing.code, missing.stderr],
      [1, 'Error from server (NotFound): pods "nope" not found\n'],
    );
    const empty = await cli(['get', 'destinationrules.networking.istio.io', '--all-namespaces']);
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '', 'No resources found\n']);
  });

  it('refuses to turn auto mTLS off while a sidecar client talks to a STRICT server, changing nothing', async () => {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked' } });
    const sidecarPod = (name: string, app: string): Pod => {
      const p = pod(name, app, [true, true], '127.0.9.1');
      p.metadata = { name, namespace: 'locked', labels: { app, 'security.istio.io/tlsMode': 'istio' } };
      return p;
    };
    await client.create(sidecarPod('web-1', 'web'));
    await client.create(sidecarPod('client-1', 'client'));
    await client.apply([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'locked' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
      {
        apiVersion: 'authentication.istio.io/v1alpha1',
        kind: 'Policy',
        metadata: { name: 'web', namespace: 'locked' },
        spec: { targets: [{ name: 'web' }], peers: [{ mtls: {} }] },
      },
    ]);
    const result = await cli(['install', '--set', 'values.global.mtls.auto=false']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    // The full/httpbin pod of an earlier test has a sidecar too, so it is a client of web as well.
    const lines = result.stderr.split('\n');
    assert.match(
      lines[0]!,
      /^error: this change would break traffic that works now \(\d+ client → server pairs\):$/,
    );
    assert.ok(
      lines.includes(
        '  locked/client-1 → web.locked:80 (endpoint locked/web-1): plaintext to a STRICT port (80)',
      ),
      result.stderr,
    );
    assert.ok(result.stderr.endsWith('Nothing was changed. Run again with --force to apply it anyway.\n'));
    const values = await client.get<ConfigMap>('ConfigMap', 'automesh', { namespace: 'istio-system' });
    assert.equal(values.data?.['values.global.mtls.auto'], 'true');
  });

  it('waits for Ready pods, and names the pod that timed out', async () => {
    const ready = await cli(['wait', '--for=condition=Ready', 'pods', '--all', '-n', 'full', '--timeout=5s']);
    assert.equal(ready.code, 0);
    assert.equal(
      ready.stdout,
      'pod/httpbin-dcd949489-5cndk condition met\npod/sleep-58d6644d44-gb55j condition met\n',
    );
    await client.create(pod('slow-1', 'slow', [false], '127.0.1.4'));
    const slow = await cli(['wait', '--for=condition=Ready', 'pod/slow-1', '-n', 'full', '--timeout=500ms']);
    assert.equal(slow.code, 1);
    assert.equal(slow.stderr, 'error: timed out waiting for the condition on pods/slow-1\n');
  });

  it('deletes by file and a namespace with kubectl wording, waiting until it is gone', async () => {
    const byFile = await cli(['delete', '-n', 'full', '-f', '-'], HTTPBIN);
    assert.deepEqual(
      [byFile.code, byFile.stdout, byFile.stderr],
      [
        0,
        'serviceaccount "httpbin" deleted\nservice "httpbin" deleted\ndeployment.apps "httpbin" deleted\n',
        '',
      ],
    );
    const result = await cli(['delete', 'ns', 'full']);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'namespace "full" deleted\n', '']);
    assert.equal(await client.find('Namespace', 'full'), undefined);
    assert.deepEqual((await client.list('Pod', { namespace: 'full' })).items, []);
  });
});
