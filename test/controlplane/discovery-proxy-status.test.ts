import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CONFIG_FILE, proxyStatusHandler, renderKubeconfig } from '../../src/controlplane/index.js';
import type { ProxyStatus } from '../../src/controlplane/index.js';
import { formatProxyStatus } from '../../src/cli/commands/proxy-status.js';
import type { DiscoveryHarness } from '../support/discovery-harness.js';
import { startDiscoveryHarness, waitFor } from '../support/discovery-harness.js';
import { namespace, peerAuthentication, pod } from '../support/mesh-fixtures.js';
import { runCli } from '../support/cli.js';

const TOKEN = 'test-admin-token';

describe('automesh proxy-status', () => {
  let h: DiscoveryHarness;
  let http: Server;
  let home: string;
  let renewalFailingSince: Date;
  before(async () => {
    h = await startDiscoveryHarness();
    await h.store.create(namespace('shop'));
    await h.store.create(pod('shop', 'web-1', { sa: 'web' }));
    await h.store.create(pod('shop', 'web-2', { sa: 'web' }));
    await h.sidecar('shop', 'web-1', { sa: 'web' });
    const refusing = await h.sidecar('shop', 'web-2', { sa: 'web' });
    await waitFor(() => h.server.proxyStatus().filter((s) => s.synced).length === 2, 'both synced');
    renewalFailingSince = new Date(Date.now() - 90_000);
    refusing.certificates.failRenewal('connect ECONNREFUSED 127.0.0.1:15012', renewalFailingSince);
    refusing.certificates.failRenewal('connect ECONNREFUSED 127.0.0.1:15012', renewalFailingSince);
    await waitFor(
      () => h.server.proxyStatus().some((s) => s.certificate?.renewalFailures === 2),
      'the failing renewals reported',
    );
    refusing.refuse = () => 'port 8080 in use';
    await h.store.create(peerAuthentication('shop', 'default', 'STRICT'));
    const result = await h.server.waitForConvergence({ timeoutMs: 5000 });
    assert.deepEqual(
      result.notSynced.map((s) => s.pod),
      ['web-2'],
    );
    const handle = proxyStatusHandler(h.server);
    http = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
      if (!handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    home = await mkdtemp(join(tmpdir(), 'automesh-proxy-status-'));
    const server = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    await writeFile(join(home, ADMIN_CONFIG_FILE), renderKubeconfig({ server, token: TOKEN }), {
      mode: 0o600,
    });
  });
  after(async () => {
    await new Promise((resolve) => http.close(resolve));
    await h.close();
    await rm(home, { recursive: true, force: true });
  });

  it('prints every sidecar with its version, sync state and last ack', async () => {
    const result = await runCli(['proxy-status'], { env: { AUTOMESH_HOME: home } });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+NAMESPACE\s+VERSION\s+SYNCED\s+LAST ACK\s+CERTIFICATE$/);
    const [web1, web2] = h.server.proxyStatus();
    assert.match(
      lines[1] ?? '',
      new RegExp(`^web-1\\s+shop\\s+${web1!.ackedVersion}\\s+SYNCED\\s+\\d+s ago\\s+VALID \\d+[hm]$`),
    );
    assert.match(
      lines[2] ?? '',
      new RegExp(
        `^web-2\\s+shop\\s+${web2!.ackedVersion}\\s+NACKED\\s+\\d+s ago\\s+RENEWAL FAILING \\d+[hm] left$`,
      ),
    );
    assert.match(result.stdout, /web-2\.shop refused \w+: port 8080 in use/);
    assert.match(
      result.stdout,
      /^web-2\.shop: certificate renewal failing for \d+m \(2 in a row\): connect ECONNREFUSED 127\.0\.0\.1:15012; it expires in \d+[hm]$/m,
    );
  });

  it("reports each sidecar's certificate as the sidecar sent it", () => {
    const [web1, web2] = h.server.proxyStatus();
    const own = h.sidecars.map((s) => s.certificates.current()!);
    assert.deepEqual(web1!.certificate, {
      serialNumber: own[0]!.serialNumber.toLowerCase(),
      notAfter: own[0]!.notAfter.toISOString(),
    });
    assert.deepEqual(web2!.certificate, {
      serialNumber: own[1]!.serialNumber.toLowerCase(),
      notAfter: own[1]!.notAfter.toISOString(),
      renewalError: 'connect ECONNREFUSED 127.0.0.1:15012',
      renewalFailingSince: renewalFailingSince.toISOString(),
      renewalFailures: 2,
    });
  });

  it('narrows to one pod and prints JSON on request', async () => {
    const result = await runCli(['proxy-status', 'web-1.shop', '-o', 'json'], {
      env: { AUTOMESH_HOME: home },
    });
    assert.equal(result.code, 0, result.stderr);
    const items = JSON.parse(result.stdout) as ProxyStatus[];
    assert.deepEqual(
      items.map((i) => [i.pod, i.synced]),
      [['web-1', true]],
    );
  });

  it('says what went wrong when there is no control plane to ask', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'automesh-proxy-status-empty-'));
    try {
      const result = await runCli(['proxy-status'], { env: { AUTOMESH_HOME: empty } });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /^error: /);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('proxy-status table', () => {
  /** A proxy connected at midnight that has never acked; tests add what they need. */
  const connected = (more: Partial<ProxyStatus>): ProxyStatus => ({
    id: '1',
    pod: 'p',
    namespace: 'ns',
    spiffeId: 'spiffe://cluster.local/ns/ns/sa/default',
    connectedAt: '2026-01-01T00:00:00.000Z',
    synced: false,
    nacks: 0,
    ...more,
  });

  it('shows STALE for a sent but unacked snapshot and never for a proxy that never acked', () => {
    const status = connected({ desiredVersion: 'v2', sentVersion: 'v2' });
    const text = formatProxyStatus([status], Date.parse('2026-01-01T00:00:05.000Z'));
    assert.match(text, /^p\s+ns\s+-\s+STALE\s+never\s+-$/m);
  });

  it('says EXPIRED once the certificate ran out and what that means', () => {
    const status = connected({
      synced: true,
      certificate: {
        serialNumber: 'ab',
        notAfter: '2026-01-01T00:00:00.000Z',
        renewalError: 'CA unreachable',
        renewalFailures: 7,
      },
    });
    const text = formatProxyStatus([status], Date.parse('2026-01-01T00:00:05.000Z'));
    assert.match(text, /^p\s+ns\s+-\s+\S+\s+never\s+EXPIRED 5s ago$/m);
    assert.match(
      text,
      /^p\.ns: certificate renewal failing \(7 in a row\): CA unreachable; it has expired: STRICT peers refuse it$/m,
    );
  });
});
