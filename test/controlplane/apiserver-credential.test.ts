import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiClient,
  ApiClientError,
  ensureAdminCredential,
  loadClientConfig,
  startApiServer,
} from '../../src/controlplane/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { apiTestTls } from '../support/api-tls.js';

async function withStateDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'automesh-cred-'));
  try {
    await fn(join(dir, 'state'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('admin credential', () => {
  it('is written mode 0600 in a 0700 state directory, and keeps its token across calls', () =>
    withStateDir(async (stateDir) => {
      const first = await ensureAdminCredential(stateDir);
      assert.equal(statSync(first.file).mode & 0o777, 0o600);
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      assert.ok(first.token.length >= 40);
      const second = await ensureAdminCredential(stateDir, { server: 'http://127.0.0.1:9' });
      assert.equal(second.token, first.token);
      assert.equal(second.server, 'http://127.0.0.1:9');
      assert.equal(statSync(second.file).mode & 0o777, 0o600);
      assert.deepEqual(await loadClientConfig(stateDir), {
        server: second.server,
        token: first.token,
        file: first.file,
      });
    }));

  it('keeps the CA that signs the server in the kubeconfig, as kubectl reads it, and refuses a bad one', () =>
    withStateDir(async (stateDir) => {
      const { caPem } = await apiTestTls();
      const written = await ensureAdminCredential(stateDir, {
        server: 'https://127.0.0.1:9',
        certificateAuthorityPem: caPem,
      });
      const text = readFileSync(written.file, 'utf8');
      assert.match(text, new RegExp(`certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`));
      assert.equal((await loadClientConfig(stateDir)).certificateAuthorityPem, caPem);
      writeFileSync(
        written.file,
        text.replace(/certificate-authority-data: \S+/, 'certificate-authority-data: bm9wZQ=='),
      );
      await assert.rejects(loadClientConfig(stateDir), {
        code: 'AUTOMESH_ERR_CONFIG_INVALID',
        message: /certificate-authority-data is not base64 of PEM certificates/,
      });
    }));

  it('tells the user to run automesh up when there is no credential or no server yet', () =>
    withStateDir(async (stateDir) => {
      await assert.rejects(loadClientConfig(stateDir), {
        code: 'AUTOMESH_ERR_CONFIG_MISSING',
        message: /automesh up/,
      });
      await ensureAdminCredential(stateDir);
      await assert.rejects(loadClientConfig(stateDir), { code: 'AUTOMESH_ERR_CONFIG_MISSING' });
    }));

  it('lets a client made from the state directory in, and nothing else', () =>
    withStateDir(async (stateDir) => {
      const store = new MemoryConfigStore();
      const { token } = await ensureAdminCredential(stateDir);
      const { tls, caPem } = await apiTestTls();
      const server = await startApiServer({ store, adminToken: token, tls });
      try {
        await ensureAdminCredential(stateDir, { server: server.url, certificateAuthorityPem: caPem });
        const client = await ApiClient.fromStateDir(stateDir);
        assert.equal((await client.list('Namespace')).items[0]?.metadata.name, 'default');
        const stranger = new ApiClient({
          server: server.url,
          token: 'x'.repeat(43),
          certificateAuthorityPem: caPem,
        });
        await assert.rejects(stranger.list('Namespace'), (err: unknown) => {
          assert.ok(err instanceof ApiClientError);
          assert.equal(err.httpStatus, 401);
          return true;
        });
      } finally {
        await server.close();
        await store.close();
      }
    }));

  it('reports an unreachable server with the address and a hint', async () => {
    const client = new ApiClient({ server: 'http://127.0.0.1:1', token: 't'.repeat(20) });
    await assert.rejects(client.list('Namespace'), {
      code: 'AUTOMESH_ERR_CLIENT_UNREACHABLE',
      message: /127\.0\.0\.1:1.*automesh up/,
    });
  });
});

describe('automesh config view', () => {
  it('shows the server and the token method with the secret redacted, kubectl-style', () =>
    withStateDir(async (stateDir) => {
      const { token } = await ensureAdminCredential(stateDir, { server: 'http://127.0.0.1:6443' });
      const result = await runCli(['config', 'view'], { env: { AUTOMESH_HOME: stateDir } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^clusters:\n- cluster:\n {4}server: http:\/\/127\.0\.0\.1:6443$/m);
      assert.match(result.stdout, /token: REDACTED/);
      assert.doesNotMatch(result.stdout, /certificate-authority-data: (?!DATA\+OMITTED)/);
      assert.ok(!result.stdout.includes(token), 'the token leaked');
      assert.ok(readFileSync(join(stateDir, 'admin.kubeconfig'), 'utf8').includes(token));
    }));

  it('prints the server with -o jsonpath and the token only with --raw', () =>
    withStateDir(async (stateDir) => {
      const { token } = await ensureAdminCredential(stateDir, { server: 'http://127.0.0.1:6443' });
      const env = { AUTOMESH_HOME: stateDir };
      const server = await runCli(['config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}'], {
        env,
      });
      assert.equal(server.stdout, 'http://127.0.0.1:6443');
      const raw = await runCli(['config', 'view', '--raw', '-o', 'json'], { env });
      assert.equal(
        (JSON.parse(raw.stdout) as { users: { user: { token: string } }[] }).users[0]?.user.token,
        token,
      );
    }));

  it('fails with a hint when the mesh was never brought up', () =>
    withStateDir(async (stateDir) => {
      const result = await runCli(['config', 'view'], { env: { AUTOMESH_HOME: stateDir } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: no admin credential at .*automesh up/);
    }));
});
