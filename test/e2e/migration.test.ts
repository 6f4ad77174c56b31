// The seed's migration from PERMISSIVE to STRICT, replayed with the real CLI (issue 12, Done
// means): strict-readiness names legacy/sleep as the plaintext client of httpbin.full; a shadow
// STRICT counts its requests and refuses none; a STRICT apply warns with that pair on stderr
// (stdout as kubectl's), --dry-run writes nothing, and under values.automesh.safeChanges=refuse
// the write is refused until --force; once sleep.legacy is injected and restarted, STRICT goes
// through without a warning and with zero failed requests from any client with a sidecar under a
// steady stream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, Resource } from '../../src/api/index.js';
import { decodeManifests, injectSidecar } from '../../src/api/index.js';
import { hostPort } from '../../src/runtime/index.js';
import {
  createAll,
  describeFigures,
  httpGet,
  readyPods,
  RequestStream,
  sampleResources,
  sleep,
  startFaultMesh,
  waitFor,
  untilReachable,
} from '../faults/support/mesh.js';
import type { FaultMesh } from '../faults/support/mesh.js';
import { randomAddressBlock } from '../runtime/support.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { loadClient } from '../../src/cli/context.js';

const URL = 'http://httpbin.full:8000/get';
const proxyOf = (pod: Pod): string => `http://${pod.status!.podIP!}:${hostPort(15001)}`;

function sleepIn(namespace: string, injected: boolean): Resource[] {
  const file = 'samples/sleep/sleep.yaml';
  const decoded = decodeManifests(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
  return decoded.resources.map((r) => {
    const placed = { ...r, metadata: { ...r.metadata, namespace } } as Resource;
    return injected ? injectSidecar(placed) : placed;
  });
}

/** httpbin without a sidecar, as the seed's legacy namespace has it. */
function httpbinIn(namespace: string): Resource[] {
  const file = 'samples/httpbin/httpbin.yaml';
  const decoded = decodeManifests(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
  return decoded.resources.map((r) => ({ ...r, metadata: { ...r.metadata, namespace } }));
}

const strictFull = (annotations = ''): string =>
  `apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata:\n  name: strict\n  namespace: full\n${annotations}spec:\n  mtls:\n    mode: STRICT\n`;
const SHADOW = '  annotations:\n    automesh.io/enforcement: shadow\n';
/** A window short enough for a test to see a port SAFE (a whole window with only mTLS peers). */
const WINDOW_SECONDS = 20;
const WINDOW = `values.automesh.observationWindowSeconds=${WINDOW_SECONDS}`;
const WARNING =
  /^Warning: peerauthentication\.security\.istio\.io\/strict: sleep\.legacy → httpbin\.full:80 would fail: plaintext to a STRICT port \(80\) \(\d+ requests? in the last 20s\)$/m;

describe('the migration to STRICT, replayed', { timeout: 300_000 }, () => {
  let fault: FaultMesh;
  let legacy: Pod;
  let meshed: Pod;
  const cli = (args: string[], input?: string) =>
    runCli(args, { env: { AUTOMESH_HOME: fault.stateDir }, ...(input === undefined ? {} : { input }) });
  const call = (pod: Pod) => httpGet(URL, { proxy: proxyOf(pod) });

  before(async () => {
    fault = await startFaultMesh('migration', { addressBlock: randomAddressBlock() });
    await createAll(fault.store, [
      ...sampleResources('full'),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy' } },
      ...sleepIn('legacy', false),
      ...httpbinIn('legacy'),
    ]);
    const install = await cli(['install', '--set', WINDOW, '-y']);
    assert.equal(install.code, 0, install.stdout + install.stderr);
    await readyPods(fault.store, 'full', 'httpbin');
    meshed = (await readyPods(fault.store, 'full', 'sleep'))[0]!;
    legacy = (await readyPods(fault.store, 'legacy', 'sleep'))[0]!;
    // Every sidecar on the 20 s window before anything is counted: a sidecar that takes the
    // install's snapshot later starts its observations anew and would forget the first requests.
    const synced = await (await loadClient(fault.stateDir)).waitForSync?.(30_000);
    assert.ok(synced?.converged !== false, `sidecars not synced: ${JSON.stringify(synced)}`);
    await untilReachable(proxyOf(meshed), URL);
    await untilReachable(proxyOf(legacy), URL);
  });
  after(async () => {
    await fault?.stop();
  });

  it('PERMISSIVE: strict-readiness names legacy/sleep as the plaintext client of httpbin.full', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await call(legacy)).status, 200);
    assert.equal((await call(meshed)).status, 200);
    const r = await cli(['x', 'strict-readiness', '-n', 'full', 'httpbin']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /PERMISSIVE\s+NOT SAFE: 1 plaintext client \(legacy\/sleep-\S+, \d+ requests, last \d+s ago\)$/m,
    );
  });

  it('x edges shows how each client reaches httpbin.full, and why', async () => {
    const r = await cli(['x', 'edges', '-n', 'full', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^SRC\s+DST\s+PORT\s+TRANSPORT\s+SRC_IDENTITY\s+DST_IDENTITY\s+REQUESTS\s+LAST SEEN\s+WHY$/m,
    );
    assert.match(
      r.stdout,
      /^sleep\.legacy\s+httpbin\.full\s+80\s+plaintext\s+-\s+-\s+[1-9]\d*\s+\d+s ago\s+client has no sidecar$/m,
    );
    assert.match(
      r.stdout,
      /^sleep\.full\s+httpbin\.full\s+80\s+mTLS\s+spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep\s+spiffe:\/\/cluster\.local\/ns\/full\/sa\/httpbin\s+[1-9]\d*\s+\d+s ago\s+auto mTLS/m,
    );
    console.log(r.stdout.replace(/^/gm, '# '));
  });

  it('shadow STRICT counts the requests STRICT would refuse and refuses none', async () => {
    const applied = await cli(['apply', '-f', '-', '--wait'], strictFull(SHADOW));
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stderr, '', 'a shadow policy breaks nothing, so nothing to warn about');
    for (let i = 0; i < 3; i++) assert.equal((await call(legacy)).status, 200);
    const r = await cli(['x', 'strict-readiness', '-n', 'full', 'httpbin']);
    assert.match(r.stdout, /would have been refused by shadow policy PeerAuthentication full\/strict/);
  });

  it('a STRICT apply warns with the pair on stderr; --dry-run writes nothing', async () => {
    const dry = await cli(['apply', '-f', '-', '--dry-run'], strictFull());
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, 'peerauthentication.security.istio.io/strict configured (dry run)\n');
    assert.match(dry.stderr, WARNING);
    assert.equal((await call(legacy)).status, 200, 'nothing was written');
  });

  it('under safeChanges=refuse the STRICT apply is refused with the same lines', async () => {
    const install = await cli([
      'install',
      '--set',
      WINDOW,
      '--set',
      'values.automesh.safeChanges=refuse',
      '-y',
    ]);
    assert.equal(install.code, 0, install.stdout + install.stderr);
    assert.equal((await call(legacy)).status, 200);
    const refused = await cli(['apply', '-f', '-'], strictFull());
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, WARNING);
    assert.match(refused.stderr, /Nothing was changed\. Run again with --force/);
    assert.equal((await call(legacy)).status, 200, 'still PERMISSIVE');
  });

  it('after sleep.legacy is injected, readiness turns SAFE and STRICT goes through with zero failed requests', async () => {
    const injected = await cli(
      ['apply', '-f', '-', '--wait'],
      sleepIn('legacy', true)
        .map((r) => JSON.stringify(r))
        .join('\n---\n'),
    );
    assert.equal(injected.code, 0, injected.stderr);
    const fresh = await readyPods(fault.store, 'legacy', 'sleep');
    assert.ok(fresh[0]!.metadata.labels?.['security.istio.io/tlsMode'] === 'istio', 'injected');
    legacy = fresh[0]!;
    await untilReachable(proxyOf(legacy), URL);

    const streams = [meshed, legacy].map((pod) => new RequestStream(proxyOf(pod), URL, 50));
    for (const s of streams) s.start();
    const started = Date.now();
    // The old plaintext pod leaves the window, and the port has been watched for more than one.
    const safe = await waitFor(
      'httpbin.full SAFE for STRICT',
      async () => {
        const r = await cli(['x', 'strict-readiness', '-n', 'full', 'httpbin']);
        return r.code === 0 && r.stdout;
      },
      (WINDOW_SECONDS + 15) * 1000,
      1000,
    );
    assert.match(safe, /PERMISSIVE\s+SAFE since \S+ \(2 mTLS peers\)$/m);
    console.log(safe.replace(/^/gm, '# '));
    const strict = await cli(['apply', '-f', '-', '--wait'], strictFull());
    assert.equal(strict.code, 0, strict.stderr);
    assert.equal(strict.stderr, '', 'no observed pair breaks any more');
    assert.equal(strict.stdout, 'peerauthentication.security.istio.io/strict configured\n');
    await sleep(1500);
    const figures = await Promise.all(streams.map((s) => s.stop()));
    const seconds = (Date.now() - started) / 1000;
    console.log(`# ${describeFigures('full/sleep', figures[0]!, seconds)}`);
    console.log(`# ${describeFigures('legacy/sleep (injected)', figures[1]!, seconds)}`);
    for (const f of figures) {
      assert.ok(f.sent > 20, `a steady stream: ${f.sent}`);
      assert.deepEqual(f.failures, []);
    }
  });

  it("the seed's DestinationRule step warns before sleep.full starts getting 503", async () => {
    const unstrict = await cli(['delete', 'peerauthentication', 'strict', '-n', 'full']);
    assert.equal(unstrict.code, 0, unstrict.stderr);
    assert.equal(unstrict.stderr, '', 'back to PERMISSIVE breaks nothing');
    const disable = await cli(
      ['apply', '-f', '-', '--wait'],
      'apiVersion: authentication.istio.io/v1alpha1\nkind: Policy\nmetadata:\n  name: httpbin\n  namespace: full\nspec:\n  targets:\n  - name: httpbin\n',
    );
    assert.equal(disable.code, 0, disable.stderr);
    assert.equal((await call(meshed)).status, 200);
    const rule =
      'apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n  name: httpbin\n  namespace: full\nspec:\n  host: httpbin.full.svc.cluster.local\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n';
    const refused = await cli(['apply', '-f', '-'], rule);
    assert.equal(refused.code, 1, 'safeChanges is still refuse');
    assert.match(
      refused.stderr,
      /^Warning: destinationrule\.networking\.istio\.io\/httpbin: sleep\.full → httpbin\.full:80 would fail: mTLS to a DISABLE port \(80\) \(\d+ requests? in the last 20s\)$/m,
    );
    assert.equal((await call(meshed)).status, 200, 'nothing was written');
    const forced = await cli(['apply', '-f', '-', '--force', '--wait'], rule);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /^Warning: destinationrule\.networking\.istio\.io\/httpbin: sleep\.full → /m);
    assert.equal(forced.stdout, 'destinationrule.networking.istio.io/httpbin created\n');
    const broken = await call(meshed);
    assert.equal(broken.status, 503, 'the warning was right');
  });

  it('require-mTLS: the write warns, then the client gets 503 with the reason to httpbin.legacy and 200 to the meshed', async () => {
    // Leave the DestinationRule step behind, and go back to warnings only.
    for (const args of [
      ['delete', 'destinationrule', 'httpbin', '-n', 'full'],
      ['delete', 'policies.authentication.istio.io', 'httpbin', '-n', 'full'],
      ['install', '--set', WINDOW, '-y'],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const LEGACY_URL = 'http://httpbin.legacy:8000/get';
    await untilReachable(proxyOf(meshed), LEGACY_URL);
    await untilReachable(proxyOf(meshed), URL);
    const labelled = await cli(
      ['apply', '-f', '-', '--wait'],
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: full\n  labels:\n    automesh.io/require-mtls: "true"\n',
    );
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.equal(labelled.stdout, 'namespace/full configured\n');
    assert.match(
      labelled.stderr,
      /^Warning: namespace\/full: sleep\.full → httpbin\.legacy:80 would fail: refused by the client sidecar: automesh\.io\/require-mtls is true \(namespace label\), and auto mTLS: endpoint has no sidecar \(\d+ requests? in the last 20s\)$/m,
    );
    const refused = await httpGet(LEGACY_URL, { proxy: proxyOf(meshed) });
    assert.equal(refused.status, 503);
    assert.match(
      refused.body,
      /^upstream connect error or disconnect\/reset before headers\. reset reason: mTLS required, automesh\.io\/require-mtls is true \(namespace label\)/,
    );
    assert.equal((await call(meshed)).status, 200);
    // httpbin.legacy has no sidecar to see anything: sleep.full's sidecar tells of both ways.
    const edges = await cli(['x', 'edges', '-n', 'legacy']);
    assert.match(
      edges.stdout,
      /^sleep\.full\s+httpbin\.legacy\s+80\s+plaintext\s+\d+\s+\d+s ago\s+auto mTLS: endpoint has no sidecar$/m,
    );
    assert.match(
      edges.stdout,
      /^sleep\.full\s+httpbin\.legacy\s+80\s+refused\s+1\s+\d+s ago\s+refused by the client sidecar: automesh\.io\/require-mtls is true \(namespace label\), and auto mTLS: endpoint has no sidecar$/m,
    );
    console.log(edges.stdout.replace(/^/gm, '# '));
  });

  it('a DestinationRule tls DISABLE exempts a destination; deleting it warns before the 503', async () => {
    const LEGACY_URL = 'http://httpbin.legacy:8000/get';
    const exempt = await cli(
      ['apply', '-f', '-', '--wait'],
      'apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata:\n  name: legacy-exempt\n  namespace: full\nspec:\n  host: httpbin.legacy.svc.cluster.local\n  trafficPolicy:\n    tls:\n      mode: DISABLE\n',
    );
    assert.equal(exempt.code, 0, exempt.stderr);
    assert.equal(exempt.stderr, '', 'an exemption breaks nothing');
    assert.equal((await httpGet(LEGACY_URL, { proxy: proxyOf(meshed) })).status, 200);
    const dry = await cli(['delete', 'destinationrule', 'legacy-exempt', '-n', 'full', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, 'destinationrule.networking.istio.io "legacy-exempt" deleted (dry run)\n');
    const warning =
      /^Warning: destinationrule\.networking\.istio\.io\/legacy-exempt: sleep\.full → httpbin\.legacy:80 would fail: refused by the client sidecar: automesh\.io\/require-mtls is true \(namespace label\), and auto mTLS: endpoint has no sidecar \(\d+ requests? in the last 20s\)$/m;
    assert.match(dry.stderr, warning);
    assert.equal((await httpGet(LEGACY_URL, { proxy: proxyOf(meshed) })).status, 200, 'nothing was deleted');
    const deleted = await cli(['delete', 'destinationrule', 'legacy-exempt', '-n', 'full']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stderr, warning);
    assert.equal(deleted.stdout, 'destinationrule.networking.istio.io "legacy-exempt" deleted\n');
    await waitFor('the exemption gone from sleep.full', async () => {
      const r = await httpGet(LEGACY_URL, { proxy: proxyOf(meshed) });
      return r.status === 503;
    });
  });
});
