// `automesh x strict-readiness` on a running mesh, through the real CLI: in the seed's PERMISSIVE
// phase, a client without a sidecar (legacy/sleep) that calls httpbin.full is named as its
// plaintext client and the command exits 1; a meshed client alone leaves the port unsafe-free but
// UNKNOWN until a whole window has been watched (exit 1 too, as the port is not yet SAFE).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, Resource } from '../../src/api/index.js';
import { decodeManifests } from '../../src/api/index.js';
import { hostPort } from '../../src/runtime/index.js';
import {
  createAll,
  httpGet,
  readyPods,
  sampleResources,
  startFaultMesh,
  untilReachable,
} from '../faults/support/mesh.js';
import type { FaultMesh } from '../faults/support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { randomAddressBlock } from '../runtime/support.js';

/** The sleep sample in `namespace` without a sidecar, as the seed's legacy namespace has it. */
function legacySleep(namespace: string): Resource[] {
  const file = 'samples/sleep/sleep.yaml';
  const decoded = decodeManifests(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    ...decoded.resources.map((r) => ({ ...r, metadata: { ...r.metadata, namespace } })),
  ];
}

const URL = 'http://httpbin.full:8000/get';
/** The pod's outbound proxy: its sidecar's, or the runtime's plain service proxy without one. */
const proxyOf = (pod: Pod): string => `http://${pod.status!.podIP!}:${hostPort(15001)}`;

describe('automesh x strict-readiness', { timeout: 180_000 }, () => {
  let fault: FaultMesh;
  let legacy: Pod;
  let meshed: Pod;
  const readiness = (...args: string[]) =>
    runCli(['x', 'strict-readiness', ...args], { env: { AUTOMESH_HOME: fault.stateDir } });

  before(async () => {
    fault = await startFaultMesh('strict-readiness', { addressBlock: ADDRESS_BLOCKS.strictReadiness });
    await createAll(fault.store, [...sampleResources('full'), ...legacySleep('legacy')]);
    await readyPods(fault.store, 'full', 'httpbin');
    meshed = (await readyPods(fault.store, 'full', 'sleep'))[0]!;
    legacy = (await readyPods(fault.store, 'legacy', 'sleep'))[0]!;
    // Ready pods, but their proxies may not have the endpoints yet.
    await untilReachable(proxyOf(meshed), URL);
  });
  after(async () => {
    await fault?.stop();
  });

  const call = (pod: Pod) => httpGet(URL, { proxy: proxyOf(pod) });

  it('is not SAFE for a port while a client without a sidecar was seen on it, naming that pod', async () => {
    assert.equal((await call(meshed)).status, 200);
    const before = await readiness('-n', 'full', 'httpbin');
    assert.equal(before.code, 1, before.stdout + before.stderr);
    assert.match(before.stdout, /^NAMESPACE\s+WORKLOAD\s+POD\s+PORT\s+MODE\s+VERDICT/m);
    assert.match(
      before.stdout,
      /full\s+httpbin\s+httpbin-\S+\s+80\s+PERMISSIVE\s+UNKNOWN: watched for \S+ of a 10m window \(1 mTLS peer so far\)/,
    );

    assert.equal((await call(legacy)).status, 200);
    const after = await readiness('-n', 'full', 'httpbin', '-o', 'json');
    assert.equal(after.code, 1, after.stderr);
    const rows = JSON.parse(after.stdout) as {
      workload: string;
      readiness: { verdict: string; summary: string; blockers: { who: string }[] };
    }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.workload, 'httpbin');
    assert.equal(rows[0]!.readiness.verdict, 'NOT SAFE');
    assert.deepEqual(
      rows[0]!.readiness.blockers.map((b) => b.who),
      [`legacy/${legacy.metadata.name}`],
    );
    assert.match(
      rows[0]!.readiness.summary,
      /^NOT SAFE: 1 plaintext client \(legacy\/sleep-\S+, 1 request, last \d+s ago\)$/,
    );
  });

  it('says clearly when the workload has no sidecar to ask', async () => {
    const r = await readiness('-n', 'full', 'no-such-workload');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'No sidecars found.\n');
  });
});

describe('shadow STRICT through the real CLI', { timeout: 180_000 }, () => {
  let fault: FaultMesh;
  let legacy: Pod;
  const cli = (args: string[], input?: string) =>
    runCli(args, { env: { AUTOMESH_HOME: fault.stateDir }, ...(input === undefined ? {} : { input }) });
  const strictFull = (annotations: string) =>
    `apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata:\n  name: strict\n  namespace: full\n${annotations}spec:\n  mtls:\n    mode: STRICT\n`;

  before(async () => {
    fault = await startFaultMesh('shadow-strict', { addressBlock: randomAddressBlock() });
    await createAll(fault.store, [...sampleResources('full'), ...legacySleep('legacy')]);
    await readyPods(fault.store, 'full', 'httpbin');
    legacy = (await readyPods(fault.store, 'legacy', 'sleep'))[0]!;
    await untilReachable(proxyOf(legacy), URL);
  });
  after(async () => {
    await fault?.stop();
  });

  it('counts what STRICT would refuse and refuses none; without the annotation it enforces', async () => {
    const shadow = await cli(
      ['apply', '-f', '-', '--wait'],
      strictFull('  annotations:\n    automesh.io/enforcement: shadow\n'),
    );
    assert.equal(shadow.code, 0, shadow.stderr);
    for (let i = 0; i < 3; i++) assert.equal((await httpGet(URL, { proxy: proxyOf(legacy) })).status, 200);
    const r = await cli(['x', 'strict-readiness', '-n', 'full', 'httpbin']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /full\s+httpbin\s+httpbin-\S+\s+80\s+PERMISSIVE\s+NOT SAFE: 1 plaintext client \(legacy\/sleep-\S+, \d+ requests, last \d+s ago, would have been refused by shadow policy PeerAuthentication full\/strict \(plaintext_on_strict, \d+ connections?\)\)/,
    );

    const enforced = await cli(['apply', '-f', '-', '--wait'], strictFull(''));
    assert.equal(enforced.code, 0, enforced.stderr);
    await assert.rejects(httpGet(URL, { proxy: proxyOf(legacy) }), 'STRICT resets the plaintext client');
  });
});
