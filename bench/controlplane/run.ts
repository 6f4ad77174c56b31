// Configuration push benchmark: N simulated sidecars over real gRPC + TLS against a control plane
// in its own process; a policy change is written to the store and timed until the last affected
// proxy has acked. Usage:
//   node --import tsx bench/controlplane/run.ts [sizes=100,1000] [trials=6] [--parse]
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PUSH_DEBOUNCE_MS } from '../../src/controlplane/index.js';
import { benchPods } from './topology.js';
import { startLightSidecar, type LightSidecar } from './light-sidecar.js';
import type { ChangeResult, FromControlPlane, Scenario, ToControlPlane } from './messages.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SIZES = (args[0] ?? '100,1000').split(',').map(Number);
const TRIALS = Number(args[1] ?? 6);
const PARSE = process.argv.includes('--parse');
const SCENARIOS: Scenario[] = ['namespace-dr', 'mesh-pa'];
const CONNECT_BATCH = 50;

class ControlPlaneProcess {
  private readonly child: ChildProcess;
  private readonly waiting: ((m: FromControlPlane) => void)[] = [];

  constructor() {
    const script = fileURLToPath(new URL('./control-plane-process.ts', import.meta.url));
    this.child = fork(script, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: FromControlPlane) => this.waiting.shift()?.(m));
  }

  request<T extends FromControlPlane>(message: ToControlPlane): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push((m) => resolve(m as T));
      this.child.send(message);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ type: 'stop' } satisfies ToControlPlane);
    });
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function benchSize(n: number): Promise<string[]> {
  const cp = new ControlPlaneProcess();
  const ready = await cp.request<Extract<FromControlPlane, { type: 'ready' }>>({
    type: 'start',
    n,
    debounceMs: PUSH_DEBOUNCE_MS,
  });
  const sidecars: LightSidecar[] = [];
  const connectStarted = Date.now();
  const pods = benchPods(n);
  for (let i = 0; i < pods.length; i += CONNECT_BATCH) {
    for (const p of pods.slice(i, i + CONNECT_BATCH)) {
      const svid = ready.svids[`${p.namespace}/${p.serviceAccount}`]!;
      sidecars.push(
        startLightSidecar({
          address: ready.address,
          rootPem: ready.rootPem,
          svid,
          namespace: p.namespace,
          pod: p.name,
          parse: PARSE,
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const synced = await cp.request<Extract<FromControlPlane, { type: 'synced' }>>({
    type: 'await-synced',
    count: n,
  });
  console.log(
    `n=${n}: all connected and synced in ${Date.now() - connectStarted} ms (converged=${synced.converged}); ` +
      `control plane rss ${synced.memory.rssMb} MB, heap ${synced.memory.heapMb} MB`,
  );
  const rows: string[] = [];
  for (const scenario of SCENARIOS) {
    const results: ChangeResult[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const result = await cp.request<ChangeResult>({ type: 'change', scenario, trial });
      results.push(result);
      console.log(
        `  ${scenario} #${trial}: affected ${result.affected}/${result.proxies}, last ack ${result.lastAckMs} ms, ` +
          `median ack ${result.medianAckMs} ms, cp cpu ${result.cpuMs} ms, rss ${result.memory.rssMb} MB, converged=${result.converged}`,
      );
    }
    // The first change of a scenario pays for JIT warm-up of new code paths; report it, but not in p50.
    const measured = results.length > 1 ? results.slice(1) : results;
    const last = measured.map((r) => r.lastAckMs);
    rows.push(
      `| ${n} | ${scenario} | ${measured[0]?.affected ?? 0} | ${percentile(last, 0.5)} | ${Math.max(...last)} | ` +
        `${results[0]?.lastAckMs ?? 0} | ${percentile(
          measured.map((r) => r.cpuMs),
          0.5,
        )} | ` +
        `${Math.max(...results.map((r) => r.memory.rssMb))} / ${Math.max(...results.map((r) => r.memory.heapMb))} |`,
    );
  }
  for (const s of sidecars) s.close();
  await cp.stop();
  return rows;
}

const table = [
  '| proxies | change | affected | p50 last ack (ms) | max last ack (ms) | first (cold) (ms) | CP CPU p50 (ms) | CP RSS / heap max (MB) |',
  '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const n of SIZES) table.push(...(await benchSize(n)));
console.log(
  `\ndebounce ${PUSH_DEBOUNCE_MS} ms, ${TRIALS} trials per change (first excluded from p50/max), sidecars ${PARSE ? 'parse' : 'do not parse'} snapshots\n`,
);
console.log(table.join('\n'));
