// The soak: an in-process mesh with N sleep → httpbin pairs (one namespace each, sidecars
// injected), a steady total request rate across them, a PeerAuthentication flip every ~30 s
// (PERMISSIVE → STRICT → DISABLE → PERMISSIVE …), short SVIDs so sidecars renew several times, and every
// 10 s each sidecar's RSS and open fds. Exits 1 on any failed request or memory/fds not flat.
//   node --import tsx bench/soak/run.ts [--minutes 10] [--rate 50] [--pairs 3] [--svid-ttl 60]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Pod } from '../../src/api/index.js';
import { startLocalMesh, type LocalMesh } from '../../src/cli/up/start-mesh.js';
import { cliArgv } from '../../src/cli/self.js';
import { silentLogger } from '../../src/log/index.js';
import {
  admin,
  createAll,
  peerAuthentication,
  readyPods,
  sampleResources,
  sleep,
  untilReachable,
} from '../../test/faults/support/mesh.js';
import { FD_TOLERANCE, RSS_TOLERANCE_FRACTION, RSS_TOLERANCE_KIB, flatness } from './flatness.js';
import { SteadyLoad, quantile, type Target } from './load.js';
import { procSample, recordedPid, type ProcSample } from './proc-sample.js';
import { ADDRESS_BLOCKS } from '../../test/support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.soak;
const SAMPLE_EVERY_MS = 10_000;
const CERT_POLL_EVERY_MS = 5_000;

interface Options {
  minutes: number;
  rate: number;
  pairs: number;
  svidTtl: number;
  policySeconds: number;
  warmupSeconds: number;
}

interface Sidecar {
  name: string;
  namespace: string;
  pod: string;
  podIP: string;
  samples: { at: number; sample: ProcSample }[];
  serials: string[];
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '50' },
      pairs: { type: 'string', default: '3' },
      'svid-ttl': { type: 'string', default: '60' },
      'policy-seconds': { type: 'string', default: '30' },
      warmup: { type: 'string' },
    },
  });
  const minutes = Number(values.minutes);
  const o: Options = {
    minutes,
    rate: Number(values.rate),
    pairs: Number(values.pairs),
    svidTtl: Number(values['svid-ttl']),
    policySeconds: Number(values['policy-seconds']),
    warmupSeconds:
      values.warmup === undefined ? Math.min(60, Math.max(30, minutes * 12)) : Number(values.warmup),
  };
  const bad = Object.entries(o).find(([, v]) => !Number.isFinite(v) || v <= 0);
  if (bad || !Number.isInteger(o.pairs) || o.svidTtl < 2 || o.warmupSeconds >= minutes * 60) {
    throw new Error(
      '--minutes, --rate, --pairs (integer), --policy-seconds, --warmup take positive numbers; --svid-ttl ≥ 2; warm-up shorter than the run',
    );
  }
  return o;
}

/** The PeerAuthentication modes the soak cycles through, as the policy-flip fault test does. */
const MODE_CYCLE = ['PERMISSIVE', 'STRICT', 'DISABLE'] as const;
const namespaces = (o: Options): string[] => Array.from({ length: o.pairs }, (_, i) => `soak-${i + 1}`);

async function deploy(mesh: LocalMesh, o: Options): Promise<{ targets: Target[]; sidecars: Sidecar[] }> {
  const store = mesh.controlPlane.store;
  for (const ns of namespaces(o))
    await createAll(store, [...sampleResources(ns), peerAuthentication(ns, 'PERMISSIVE')]);
  const targets: Target[] = [];
  const sidecars: Sidecar[] = [];
  for (const ns of namespaces(o)) {
    const [client] = await readyPods(store, ns, 'sleep', 1, 120_000);
    const [server] = await readyPods(store, ns, 'httpbin', 1, 120_000);
    const target = {
      name: ns,
      proxy: `http://${client!.status!.podIP}:15001`,
      url: `http://httpbin.${ns}:8000/get`,
    };
    await untilReachable(target.proxy, target.url);
    targets.push(target);
    for (const pod of [client!, server!]) sidecars.push(sidecarOf(ns, pod));
  }
  return { targets, sidecars };
}

function sidecarOf(namespace: string, pod: Pod): Sidecar {
  const app = pod.metadata.labels?.['app'] ?? pod.metadata.name;
  return {
    name: `${namespace}/${app}`,
    namespace,
    pod: pod.metadata.name,
    podIP: pod.status!.podIP!,
    samples: [],
    serials: [],
  };
}

function sampleProcesses(stateDir: string, sidecars: Sidecar[], at: number): void {
  for (const s of sidecars) {
    const pid = recordedPid(stateDir, s.namespace, s.pod);
    const sample = pid === undefined ? undefined : procSample(pid);
    if (sample !== undefined) s.samples.push({ at, sample });
  }
}

async function pollSerials(sidecars: Sidecar[]): Promise<void> {
  await Promise.all(
    sidecars.map(async (s) => {
      const r = await admin(s.podIP, '/certs').catch(() => undefined);
      if (r?.status !== 200) return;
      const serial = (JSON.parse(r.body) as { serialNumber?: string }).serialNumber;
      if (serial !== undefined && serial !== s.serials[s.serials.length - 1]) s.serials.push(serial);
    }),
  );
}

/** Runs the load for the whole duration with the periodic policy flips, samples and cert polls. */
async function soak(
  mesh: LocalMesh,
  stateDir: string,
  o: Options,
  load: SteadyLoad,
  sidecars: Sidecar[],
  stopped: () => boolean,
) {
  const store = mesh.controlPlane.store;
  const started = Date.now();
  const end = started + o.minutes * 60_000;
  let nextSample = started;
  let nextCerts = started;
  let nextFlip = started + o.policySeconds * 1000;
  let policyChanges = 0;
  load.start();
  while (Date.now() < end && !stopped()) {
    const now = Date.now();
    if (now >= nextSample) {
      sampleProcesses(stateDir, sidecars, now - started);
      nextSample += SAMPLE_EVERY_MS;
    }
    if (now >= nextCerts) {
      await pollSerials(sidecars);
      nextCerts += CERT_POLL_EVERY_MS;
    }
    if (now >= nextFlip) {
      policyChanges++;
      const mode = MODE_CYCLE[policyChanges % MODE_CYCLE.length]!;
      for (const ns of namespaces(o)) await store.update(peerAuthentication(ns, mode));
      const f = load.figures;
      const failed = [...f.failures.values()].reduce((a, b) => a + b, 0);
      process.stdout.write(
        `  ${((now - started) / 1000).toFixed(0)} s: → ${mode}; ${f.sent} sent, ${failed} failed\n`,
      );
      nextFlip += o.policySeconds * 1000;
    }
    await sleep(250);
  }
  sampleProcesses(stateDir, sidecars, Date.now() - started);
  await pollSerials(sidecars);
  const figures = await load.stop();
  return { figures, policyChanges, seconds: (Date.now() - started) / 1000 };
}

const mib = (kib: number): string => (kib / 1024).toFixed(1);

function report(o: Options, sidecars: Sidecar[], result: Awaited<ReturnType<typeof soak>>): boolean {
  const { figures, policyChanges, seconds } = result;
  const failed = [...figures.failures.values()].reduce((a, b) => a + b, 0);
  const renewals = sidecars.reduce((sum, s) => sum + Math.max(0, s.serials.length - 1), 0);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(
    `\nsoak: ${o.pairs} pairs, ${o.rate} req/s total, ${seconds.toFixed(0)} s, SVID TTL ${o.svidTtl} s, warm-up ${o.warmupSeconds} s`,
  );
  out(`requests sent: ${figures.sent}, 200: ${figures.ok}, failed: ${failed}`);
  for (const [reason, n] of figures.failures) out(`  failure ×${n}: ${reason}`);
  out(
    `latency: p50 ${quantile(figures.latenciesMs, 0.5).toFixed(1)} ms, p99 ${quantile(figures.latenciesMs, 0.99).toFixed(1)} ms`,
  );
  out(
    `renewals seen: ${renewals} (${sidecars.map((s) => `${s.name} ${Math.max(0, s.serials.length - 1)}`).join(', ')})`,
  );
  out(`policy changes: ${policyChanges} (each applied to ${o.pairs} namespaces)`);
  out(`\n| sidecar | RSS MiB warm-up end | RSS MiB end | fds warm-up end | fds end | verdict |`);
  out(`| --- | --- | --- | --- | --- | --- |`);
  let allFlat = true;
  for (const s of sidecars) {
    const warm = s.samples.filter((x) => x.at <= o.warmupSeconds * 1000).map((x) => x.sample);
    const after = s.samples.filter((x) => x.at > o.warmupSeconds * 1000).map((x) => x.sample);
    const f = flatness(warm, after);
    allFlat &&= f.flat;
    const verdict = f.flat ? 'flat' : f.restarted ? 'RESTARTED' : 'GREW';
    out(
      `| ${s.name} | ${mib(f.warmRssKiB)} | ${mib(f.endRssKiB)} | ${f.warmFds} | ${f.endFds} | ${verdict} |`,
    );
  }
  out(
    `\nflat = no restart, RSS growth ≤ max(${RSS_TOLERANCE_KIB / 1024} MiB, ${RSS_TOLERANCE_FRACTION * 100} %) and fd growth ≤ ${FD_TOLERANCE} (medians of the last 3 samples up to warm-up end vs of the last 3 samples)`,
  );
  out(`verdict: ${failed === 0 && allFlat ? 'PASS' : 'FAIL'}`);
  return failed === 0 && allFlat;
}

async function main(): Promise<number> {
  const o = options();
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const stateDir = mkdtempSync(join(tmpdir(), 'automesh-soak-'));
  const mesh = await startLocalMesh({
    stateDir,
    cliArgv: cliArgv(),
    logger: silentLogger,
    addressBlock: ADDRESS_BLOCK,
    svidTtlSeconds: o.svidTtl,
  });
  try {
    process.stdout.write(`soak: deploying ${o.pairs} pairs (state ${stateDir})\n`);
    const { targets, sidecars } = await deploy(mesh, o);
    process.stdout.write(`soak: running ${o.minutes} min at ${o.rate} req/s\n`);
    const load = new SteadyLoad(targets, o.rate);
    const result = await soak(mesh, stateDir, o, load, sidecars, () => interrupted);
    if (interrupted) process.stdout.write('soak: interrupted; figures so far\n');
    return report(o, sidecars, result) && !interrupted ? 0 : 1;
  } finally {
    await mesh.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
