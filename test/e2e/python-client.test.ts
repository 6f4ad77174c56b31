// Debian's python3-kubernetes (with Debian's own /usr/bin/python3) against a real `automesh up`,
// with nothing but the admin.kubeconfig `up` writes: list, create, patch, watch, an Istio kind
// through CustomObjectsApi, and the errors the client raises. CI installs the package; without it
// the test fails and says so (never a skip).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';
import { REPO_ROOT } from '../support/cli.js';
import { startKubectlMesh, type KubectlMesh } from '../support/kubectl.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(REPO_ROOT, 'test/e2e/clients/python_client.py');

function requirePythonKubernetes(): string {
  const probe = spawnSync(PYTHON, ['-c', 'import kubernetes; print(kubernetes.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `Debian's python3-kubernetes is required (apt-get install -y python3-kubernetes): ` +
        `${PYTHON} -c 'import kubernetes' failed: ${probe.error?.message ?? probe.stderr}`,
    );
  }
  return probe.stdout.trim();
}

describe('Debian python3-kubernetes against automesh up', { timeout: 120_000 }, () => {
  let mesh: KubectlMesh;
  let steps: Map<string, Record<string, unknown>>;
  before(async () => {
    requirePythonKubernetes();
    mesh = await startKubectlMesh(ADDRESS_BLOCKS.pythonClient);
    const run = spawnSync(PYTHON, [SCRIPT], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', HOME: mesh.home, KUBECONFIG: mesh.kubeconfig },
      timeout: 60_000,
    });
    assert.equal(run.status, 0, `python_client.py failed:\n${run.stdout}\n${run.stderr}`);
    steps = new Map(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { step: string } & Record<string, unknown>)
        .map(({ step, ...fields }) => [step, fields]),
    );
  });
  after(async () => {
    await mesh?.stop();
  });

  it('lists namespaces with the list resourceVersion', () => {
    const listed = steps.get('list-namespaces');
    assert.deepEqual(listed?.['names'], ['default', 'istio-system']);
    assert.match(String(listed?.['resourceVersion']), /^\d+$/);
  });

  it('creates, and gets a 409 AlreadyExists ApiException the second time', () => {
    assert.deepEqual(steps.get('create-twice'), { status: 409, reason: 'AlreadyExists' });
    assert.equal(steps.get('create-service')?.['uid'], true);
  });

  it('patches a Service with a strategic merge patch: ports merged by port, labels added', () => {
    assert.deepEqual(steps.get('patch-service'), {
      labels: { app: 'web', tier: 'frontend' },
      ports: [80, 9090],
    });
  });

  it('watches from the list resourceVersion: the create and the patch, then the stream ends', () => {
    assert.deepEqual(steps.get('watch-services'), { events: ['ADDED web', 'MODIFIED web'] });
  });

  it('creates and merge-patches an Istio PeerAuthentication, and refuses a bad one naming the field', () => {
    assert.deepEqual(steps.get('patch-peerauthentication'), { mode: 'STRICT' });
    const invalid = steps.get('create-invalid');
    assert.equal(invalid?.['status'], 422);
    assert.equal(invalid?.['reason'], 'Invalid');
    assert.deepEqual(invalid?.['fields'], ['spec.mtls.mode']);
  });

  it('left what it wrote in the store, as the automesh CLI sees it', async () => {
    const got = await mesh.automesh(['get', 'peerauthentication', 'default', '-n', 'py', '-o', 'yaml']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /mode: STRICT/);
  });
});
