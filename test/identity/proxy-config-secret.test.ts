import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatSecret } from '../../src/cli/commands/proxy-config.js';
import type { SecretView } from '../../src/cli/commands/proxy-config.js';
import { CertificateAuthority, loadCaSigner } from '../../src/controlplane/ca/index.js';
import { createCsr, generateKeyPair } from '../../src/identity/index.js';
import { runCli } from '../support/cli.js';
import { makeOpensslCacerts, openssl, tempDir } from './support.js';

describe('automesh proxy-config secret', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let view: SecretView;
  let admin: Server;
  let adminAddress: string;

  before(async () => {
    dir = await tempDir();
    await makeOpensslCacerts(dir.path);
    const ca = new CertificateAuthority(
      await loadCaSigner({ stateDir: dir.path, trustDomain: 'cluster.local', pluggedInCaDir: dir.path }),
    );
    const issued = await ca.issue({
      csrPem: createCsr(await generateKeyPair()),
      identity: { namespace: 'full', serviceAccount: 'sleep' },
    });
    assert.ok(issued.ok);
    view = {
      identity: issued.spiffeId,
      serialNumber: issued.serialNumber,
      notBefore: new Date(Date.now() - 120_000).toISOString(),
      notAfter: issued.notAfter.toISOString(),
      certChainPem: issued.certChainPem,
      trustBundlePem: issued.trustBundlePem,
    };
    admin = createServer((req, res) => {
      res.writeHead(req.url === '/certs' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(view));
    });
    await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', () => resolve()));
    adminAddress = `127.0.0.1:${(admin.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => admin.close(() => resolve()));
    await dir.remove();
  });

  it('shows identity, decimal serial and validity like istioctl', () => {
    const text = formatSecret(view);
    const [header, leafRow, rootRow] = text.trimEnd().split('\n');
    assert.match(
      header ?? '',
      /^RESOURCE NAME\s+TYPE\s+STATUS\s+VALID CERT\s+SERIAL NUMBER\s+NOT AFTER\s+NOT BEFORE\s+IDENTITY$/,
    );
    const serial = BigInt(`0x${new X509Certificate(view.certChainPem[0] ?? '').serialNumber}`).toString();
    assert.match(
      leafRow ?? '',
      new RegExp(
        `^default\\s+Cert Chain\\s+ACTIVE\\s+true\\s+${serial}\\s+\\S+Z\\s+\\S+Z\\s+spiffe://cluster.local/ns/full/sa/sleep$`,
      ),
    );
    assert.match(rootRow ?? '', /^ROOTCA\s+CA\s+ACTIVE\s+true\s+\d+\s/);
  });

  it('marks an expired certificate', () => {
    const text = formatSecret(view, Date.now() + 48 * 3600_000);
    assert.match(text, /^default\s+Cert Chain\s+EXPIRED\s+false/m);
  });

  it('prints the chain as PEM with -o pem, which openssl verifies', async () => {
    const result = await runCli([
      'proxy-config',
      'secret',
      'sleep-1',
      '-n',
      'full',
      '-o',
      'pem',
      '--admin-address',
      adminAddress,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const blocks = result.stdout.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    assert.equal(blocks.length, 3, 'leaf, intermediate, root');
    await writeFile(join(dir.path, 'out.pem'), result.stdout);
    await openssl(['x509', '-in', 'out.pem', '-out', 'leaf-out.pem'], dir.path);
    assert.match(
      await openssl(
        ['verify', '-CAfile', 'root-cert.pem', '-untrusted', 'out.pem', 'leaf-out.pem'],
        dir.path,
      ),
      /OK/,
    );
  });

  it('reports an unreachable sidecar as an error', async () => {
    const result = await runCli([
      'proxy-config',
      'secret',
      'sleep-1',
      '-n',
      'full',
      '--admin-address',
      '127.0.0.1:1',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^error: /);
  });
});
