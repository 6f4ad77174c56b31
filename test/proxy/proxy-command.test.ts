// `automesh proxy`: flags and environment parsing, and a real standalone sidecar process started
// from a bootstrap file, used with curl, reloaded with SIGHUP and stopped with SIGTERM.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseProxyCommand } from '../../src/cli/commands/proxy.js';
import { cliCommand, REPO_ROOT } from '../support/cli.js';
import { createTestCa, issueLeaf, spiffeId } from '../support/pki.js';
import { curl, snapshotFor, startEchoApp } from './harness.js';
import type { EchoApp } from './harness.js';

describe('automesh proxy flags', () => {
  it('takes control-plane settings from flags, falling back to the environment', () => {
    const env = {
      POD_NAME: 'env-pod',
      POD_NAMESPACE: 'env-ns',
      POD_IP: '10.0.0.7',
      CA_ADDRESS: 'ca:15012',
      DISCOVERY_ADDRESS: 'cp:15010',
      TOKEN_PATH: '/var/run/token',
      ROOT_CERT: '/etc/root.pem',
    };
    const parsed = parseProxyCommand(['--pod', 'flag-pod', '--admin-port=15900'], env);
    assert.deepEqual(parsed, {
      kind: 'control-plane',
      pod: 'flag-pod',
      namespace: 'env-ns',
      podIP: '10.0.0.7',
      appHost: '127.0.0.1',
      caAddress: 'ca:15012',
      discoveryAddress: 'cp:15010',
      tokenPath: '/var/run/token',
      rootCertPath: '/etc/root.pem',
      outboundPort: 15001,
      adminPort: 15900,
      unknownHosts: 'passthrough',
      trustDomain: 'cluster.local',
    });
  });

  it('names the missing setting without --bootstrap', () => {
    assert.throws(
      () => parseProxyCommand(['--pod', 'p'], {}),
      /--namespace \(or POD_NAMESPACE\) is required/,
    );
    assert.throws(() => parseProxyCommand(['--bootstrap'], {}), /bootstrap/);
  });
});

describe('automesh proxy --bootstrap', () => {
  let dir: string;
  let app: EchoApp;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'automesh-proxy-'));
    app = await startEchoApp();
    const ca = await createTestCa();
    const cert = await issueLeaf(ca, spiffeId('default', 'standalone'));
    writeFileSync(join(dir, 'cert-chain.pem'), cert.certChainPem.join(''));
    writeFileSync(join(dir, 'key.pem'), cert.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'root-cert.pem'), ca.rootPem);
    const pod = {
      pod: 'standalone',
      namespace: 'default',
      serviceAccount: 'standalone',
      podIP: '127.0.0.5',
      appPort: app.port,
      cert,
    };
    writeFileSync(
      join(dir, 'bootstrap.yaml'),
      stringify({
        podIP: '127.0.0.5',
        appHost: '127.0.0.1',
        outbound: { port: 0 },
        admin: { port: 0 },
        certificates: { certChain: 'cert-chain.pem', privateKey: 'key.pem', trustBundle: 'root-cert.pem' },
        snapshot: snapshotFor(pod, 'STRICT', [], 'standalone-v1'),
      }),
    );
    writeFileSync(join(dir, 'bad.yaml'), stringify({ podIP: '127.0.0.5', surprise: true }));
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bootstrap file with unknown keys, naming them', async () => {
    const child = spawn(process.execPath, [...cliCommand(), 'proxy', '--bootstrap', join(dir, 'bad.yaml')], {
      cwd: REPO_ROOT,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /^error: .*bad\.yaml: .*surprise/m);
  });

  it('runs a STRICT sidecar with no control plane and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [...cliCommand(), 'proxy', '--bootstrap', join(dir, 'bootstrap.yaml')],
      { cwd: REPO_ROOT },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const ready = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('\n')) resolve(stdout);
        });
        child.on('close', () => reject(new Error(`exited early: ${stderr}`)));
      });
      assert.match(ready, /snapshot standalone-v1; inbound 127\.0\.0\.5:\[\d+\]/);
      const admin = /admin 127\.0\.0\.5:(\d+)/.exec(ready)![1]!;
      const plain = await curl([`http://127.0.0.5:${app.port}/`]);
      assert.equal(plain.stdout, '000');
      assert.equal(plain.code, 56);
      const ready200 = await curl(['-o', '/dev/null', `http://127.0.0.5:${admin}/ready`]);
      assert.equal(ready200.stdout, '200');
      child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      assert.equal(await closed, 0, stderr);
      assert.match(stdout, /stopped \(SIGTERM\)/);
    } finally {
      clearTimeout(kill);
      child.kill('SIGKILL');
    }
  });
});
