// Orchestrates the data-plane benchmark (see run.sh): makes a PKI, starts the app, the proxies
// and wrk per scenario, and prints req/s, p50/p99 and CPU seconds per 10,000 requests per proxy.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ProxySnapshot, UpstreamTls } from '../../src/api/index.js';
import { createTestCa, issueLeaf } from '../../test/support/pki.js';

const DURATION_S = Number(process.argv[2] ?? 10);
const ROOT = resolve(import.meta.dirname, '../..');
const APP = { host: '127.0.0.1', port: 18080 };
/** Each sidecar pair on its own loopback addresses, so every proxy can run at once (interleaved rounds). */
const PAIR_IPS = {
  plain: { client: '127.0.0.2', server: '127.0.0.3' },
  mtls: { client: '127.0.0.4', server: '127.0.0.5' },
  base: { client: '127.0.0.8', server: '127.0.0.9' },
};
/** `base`: an mTLS pair run from another checkout (BENCH_BASELINE), to compare two versions in one run. */
type Pair = keyof typeof PAIR_IPS;
const BASELINE = process.env.BENCH_BASELINE;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NGINX_CLIENT = { host: '127.0.0.6', port: 18090 };
const NGINX_SERVER = { host: '127.0.0.7', port: 18443 };
const TUNNEL_CLIENT = { host: '127.0.0.10', port: 18091 };
const TUNNEL_SERVER = { host: '127.0.0.11', port: 18444 };
const SERVICE = 'backend.bench';
const SERVICE_PORT = 8000;
const SNI = `outbound_.${SERVICE_PORT}_._.backend.bench.svc.cluster.local`;
const CLIENT_ID = 'spiffe://cluster.local/ns/bench/sa/client';
const SERVER_ID = 'spiffe://cluster.local/ns/bench/sa/backend';
const CLK_TCK = 100;

interface Proc {
  name: string;
  child: ChildProcess;
}

const work = mkdtempSync(join(tmpdir(), 'automesh-bench-'));
const running: Proc[] = [];

function start(name: string, cmd: string, args: string[], readyText: string | null): Promise<Proc> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, child };
  running.push(proc);
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 60_000);
    const check = (d: Buffer): void => {
      out += d.toString();
      if (readyText !== null && out.includes(readyText)) {
        clearTimeout(timer);
        resolvePromise(proc);
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}): ${out}`)));
    if (readyText === null) {
      clearTimeout(timer);
      setTimeout(() => resolvePromise(proc), 500);
    }
  });
}

async function stop(proc: Proc): Promise<void> {
  const i = running.indexOf(proc);
  if (i !== -1) running.splice(i, 1);
  if (proc.child.exitCode !== null) return;
  const exited = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
}

/** A process and its children (nginx workers). */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {
      continue; // the process exited while we looked
    }
  }
  return pids;
}

/** utime+stime of a process and its children, in seconds. */
function cpuSeconds(pid: number, kernelOnly = false): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += (kernelOnly ? 0 : Number(fields[11])) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

/** Resident memory now and its high-water mark, in MiB, summed over a process and its children. */
function memoryMiB(pid: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const p of processTree(pid)) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return { rss: rss / 1024, peak: peak / 1024 };
}

interface WrkResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: string;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (m === null) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** BENCH_BODY=N: every request is a POST with an N-byte body (head and body in one segment). */
const BODY_BYTES = Number(process.env.BENCH_BODY ?? 0);

function wrk(url: string, connections: number, seconds: number, host?: string): Promise<WrkResult> {
  const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', url];
  if (host !== undefined) args.push('-H', `Host: ${host}`);
  if (BODY_BYTES > 0) args.push('-s', join(work, 'post.lua'));
  return new Promise((resolvePromise, reject) => {
    const child = spawn('wrk', args);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
      const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '';
      const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '';
      const errors = [/Socket errors:.*/.exec(out)?.[0], /Non-2xx or 3xx responses: \d+/.exec(out)?.[0]]
        .filter(Boolean)
        .join('; ');
      resolvePromise({ rps, requests, p50Ms: toMs(p50), p99Ms: toMs(p99), errors });
    });
  });
}

function snapshot(role: 'client' | 'server', tls: Pair): ProxySnapshot {
  const upstream: UpstreamTls =
    tls !== 'plain'
      ? { mode: 'ISTIO_MUTUAL', reason: 'bench', sni: SNI, sans: [SERVER_ID] }
      : { mode: 'DISABLE', reason: 'bench' };
  const id = role === 'client' ? CLIENT_ID : SERVER_ID;
  return {
    version: `bench-${role}-${tls}`,
    proxy: {
      pod: role,
      namespace: 'bench',
      serviceAccount: role,
      spiffeId: id,
      podIP: PAIR_IPS[tls][role],
    },
    mesh: { autoMtls: true, mtlsEnabled: false, trustDomain: 'cluster.local', rootNamespace: 'istio-system' },
    inbound:
      role === 'server'
        ? [
            {
              port: APP.port,
              protocol: 'http',
              mode: tls !== 'plain' ? 'STRICT' : 'DISABLE',
              reason: 'bench',
            },
          ]
        : [],
    outbound:
      role === 'client'
        ? [
            {
              hostname: 'backend.bench.svc.cluster.local',
              name: 'backend',
              namespace: 'bench',
              aliases: ['backend.bench.svc.cluster.local', 'backend.bench.svc', 'backend.bench'],
              ports: [
                {
                  port: SERVICE_PORT,
                  protocol: 'http',
                  endpoints: [
                    {
                      address: PAIR_IPS[tls].server,
                      port: APP.port,
                      pod: 'backend',
                      namespace: 'bench',
                      hasSidecar: true,
                      tls: upstream,
                    },
                  ],
                },
              ],
            },
          ]
        : [],
  };
}

async function writePki(): Promise<void> {
  const ca = await createTestCa();
  const client = await issueLeaf(ca, CLIENT_ID);
  // The DNS name is only for nginx, which cannot check a URI SAN; the sidecars check the URI.
  const server = await issueLeaf(ca, SERVER_ID, [], ['backend.bench.svc.cluster.local']);
  writeFileSync(join(work, 'root.pem'), ca.rootPem);
  for (const [name, cert] of [
    ['client', client],
    ['server', server],
  ] as const) {
    writeFileSync(join(work, `${name}.pem`), cert.certChainPem.join(''));
    writeFileSync(join(work, `${name}-key.pem`), cert.privateKeyPem, { mode: 0o600 });
  }
}

function writeBootstrap(role: 'client' | 'server', tls: Pair): string {
  const path = join(work, `${role}-${tls}.yaml`);
  const ip = PAIR_IPS[tls][role];
  writeFileSync(
    path,
    stringify({
      podIP: ip,
      appHost: APP.host,
      outbound: { port: role === 'client' ? 15001 : 0 },
      admin: { port: 0 },
      certificates: {
        certChain: `${role === 'client' ? 'client' : 'server'}.pem`,
        privateKey: `${role}-key.pem`,
        trustBundle: 'root.pem',
      },
      snapshot: snapshot(role, tls),
    }),
  );
  return path;
}

function writeNginx(role: 'client' | 'server'): string {
  const path = join(work, `nginx-${role}.conf`);
  const common = `worker_processes 1;\ndaemon off;\npid ${work}/nginx-${role}.pid;\nerror_log ${work}/nginx-${role}.log warn;\nevents { worker_connections 4096; }\n`;
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${work}/${role}-${t};`)
    .join(' ');
  const http =
    role === 'client'
      ? `upstream peer { server ${NGINX_SERVER.host}:${NGINX_SERVER.port}; keepalive 128; }
  server {
    listen ${NGINX_CLIENT.host}:${NGINX_CLIENT.port};
    location / {
      proxy_pass https://peer;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-Client-Cert "";
      proxy_ssl_certificate ${work}/client.pem;
      proxy_ssl_certificate_key ${work}/client-key.pem;
      proxy_ssl_trusted_certificate ${work}/root.pem;
      proxy_ssl_verify on;
      proxy_ssl_name backend.bench.svc.cluster.local;
      proxy_ssl_server_name on;
      proxy_ssl_session_reuse on;
      proxy_ssl_protocols TLSv1.3;
    }
  }`
      : `upstream app { server ${APP.host}:${APP.port}; keepalive 128; }
  server {
    listen ${NGINX_SERVER.host}:${NGINX_SERVER.port} ssl;
    ssl_certificate ${work}/server.pem;
    ssl_certificate_key ${work}/server-key.pem;
    ssl_client_certificate ${work}/root.pem;
    ssl_verify_client on;
    ssl_protocols TLSv1.3;
    keepalive_requests 100000;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-Client-Cert "By=${SERVER_ID};Hash=$ssl_client_fingerprint;Subject=\\"\\";URI=${CLIENT_ID}";
    }
  }`;
  writeFileSync(
    path,
    `${common}http {\n  access_log off;\n  ${temp}\n  keepalive_requests 100000;\n  ${http}\n}\n`,
  );
  return path;
}

interface Row {
  scenario: string;
  connections: number;
  result: WrkResult;
  cpuPer10k: string;
  /** The share of the proxies' CPU time spent in the kernel (stime). */
  kernelShare: string;
}

interface Scenario {
  name: string;
  url: string;
  host?: string;
  proxies: Proc[];
}

interface Sample {
  result: WrkResult;
  cpu: number[];
  kernel: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function sample(s: Scenario, connections: number): Promise<Sample> {
  const before = s.proxies.map((p) => cpuSeconds(p.child.pid!));
  const kernelBefore = s.proxies.map((p) => cpuSeconds(p.child.pid!, true));
  const result = await wrk(s.url, connections, DURATION_S, s.host);
  return {
    result,
    cpu: s.proxies.map((p, i) => cpuSeconds(p.child.pid!) - before[i]!),
    kernel: s.proxies.map((p, i) => cpuSeconds(p.child.pid!, true) - kernelBefore[i]!),
  };
}

/** Rounds interleave the scenarios so that load from elsewhere on the machine hits them alike. */
async function measureAll(scenarios: Scenario[], rows: Row[]): Promise<void> {
  for (const connections of [32, 1]) {
    for (const s of scenarios) await wrk(s.url, connections, 2, s.host); // warm up: pools, TLS, JIT
    const samples = new Map<string, Sample[]>(scenarios.map((s) => [s.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Every other round runs them in reverse: each round's first scenario measured consistently
      // better than its last with identical code (an A/A run: 0.70 vs 0.50 of nginx).
      for (const s of round % 2 === 0 ? scenarios : [...scenarios].reverse()) {
        const x = await sample(s, connections);
        samples.get(s.name)!.push(x);
        process.stderr.write(
          `round ${round + 1} ${s.name} c=${connections}: ${x.result.rps.toFixed(0)} req/s ${x.result.errors}\n`,
        );
      }
    }
    for (const s of scenarios) {
      const xs = samples.get(s.name)!;
      const requests = xs.reduce((n, x) => n + x.result.requests, 0);
      const cpu = s.proxies.map((_, i) => (xs.reduce((t, x) => t + x.cpu[i]!, 0) / requests) * 10_000);
      const kernel = s.proxies.map((_, i) => (xs.reduce((t, x) => t + x.kernel[i]!, 0) / requests) * 10_000);
      rows.push({
        scenario: s.name,
        connections,
        result: {
          rps: median(xs.map((x) => x.result.rps)),
          requests,
          p50Ms: median(xs.map((x) => x.result.p50Ms)),
          p99Ms: median(xs.map((x) => x.result.p99Ms)),
          errors: xs
            .map((x) => x.result.errors)
            .filter(Boolean)
            .join('; '),
        },
        cpuPer10k: cpu.length === 0 ? '-' : cpu.map((c) => c.toFixed(2)).join(' / '),
        kernelShare:
          cpu.length === 0 ? '-' : cpu.map((c, i) => `${((kernel[i]! / c) * 100).toFixed(0)}%`).join(' / '),
      });
    }
  }
}

function memoryTable(scenarios: Scenario[], idle: ReadonlyMap<Proc, number>): string {
  const lines = ['| scenario | proxy | RSS idle MiB | RSS peak MiB |', '|---|---|---|---|'];
  for (const s of scenarios) {
    s.proxies.forEach((p, i) => {
      const role = s.proxies.length === 2 ? (i === 0 ? 'client' : 'server') : p.name;
      lines.push(
        `| ${s.name} | ${role} | ${idle.get(p)!.toFixed(1)} | ${memoryMiB(p.child.pid!).peak.toFixed(1)} |`,
      );
    });
  }
  return lines.join('\n');
}

function table(rows: Row[]): string {
  const direct = new Map(
    rows.filter((r) => r.scenario === 'direct').map((r) => [r.connections, r.result.rps]),
  );
  const ratio = (r: Row): string =>
    direct.has(r.connections) ? (r.result.rps / direct.get(r.connections)!).toFixed(2) : '-';
  const lines = [
    `| scenario | conns | req/s | ÷ direct | p50 ms | p99 ms | CPU s / 10k req per proxy (client / server) | kernel share | errors |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.connections} | ${r.result.rps.toFixed(0)} | ${ratio(r)} | ${r.result.p50Ms.toFixed(2)} | ${r.result.p99Ms.toFixed(2)} | ${r.cpuPer10k} | ${r.kernelShare} | ${r.result.errors || '-'} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await writePki();
  writeFileSync(
    join(work, 'post.lua'),
    `wrk.method = "POST"\nwrk.body = string.rep("x", ${BODY_BYTES})\nwrk.headers["Content-Type"] = "application/octet-stream"\n`,
  );
  // BENCH_PROFILE=DIR writes a V8 CPU profile per sidecar; BENCH_ONLY=direct,mtls,plain,nginx,tunnel picks scenarios.
  const profile = process.env.BENCH_PROFILE;
  const only = (process.env.BENCH_ONLY ?? 'direct,plain,mtls,nginx').split(',');
  // BENCH_NODE_FLAGS="--max-semi-space-size=16" adds V8/Node flags to both sidecars of each pair.
  // BENCH_BASELINE_NODE_FLAGS: the baseline pair's instead (to compare flags on one checkout).
  const flags = (text: string | undefined): string[] => (text ?? '').split(' ').filter((f) => f !== '');
  // The sidecars run the built CLI (dist/), as the runtime starts them; BENCH_SIDECAR_FROM=src runs
  // them through tsx from the sources instead (a tree not built). tsx costs a sidecar memory.
  const fromSource = process.env.BENCH_SIDECAR_FROM === 'src';
  const cliIn = (root: string, nodeFlags: string[]): string[] => [
    ...nodeFlags,
    ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(profile)}`]),
    ...(fromSource
      ? ['--import', 'tsx', join(root, 'src/cli/main.ts')]
      : [join(root, 'dist/src/cli/main.js')]),
    'proxy',
    '--bootstrap',
  ];
  const scenarios: Scenario[] = [];
  await start(
    'backend',
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/dataplane/backend.ts'), APP.host, String(APP.port)],
    'listening',
  );
  if (only.includes('direct'))
    scenarios.push({ name: 'direct', url: `http://${APP.host}:${APP.port}/`, proxies: [] });
  for (const tls of ['plain', 'mtls', 'base'] as const) {
    if (tls === 'base' ? BASELINE === undefined || !only.includes('mtls') : !only.includes(tls)) continue;
    const cli =
      tls === 'base'
        ? cliIn(
            resolve(BASELINE!),
            flags(process.env.BENCH_BASELINE_NODE_FLAGS ?? process.env.BENCH_NODE_FLAGS),
          )
        : cliIn(ROOT, flags(process.env.BENCH_NODE_FLAGS));
    const server = await start(
      `server-${tls}`,
      process.execPath,
      [...cli, writeBootstrap('server', tls)],
      'automesh proxy:',
    );
    const client = await start(
      `client-${tls}`,
      process.execPath,
      [...cli, writeBootstrap('client', tls)],
      'automesh proxy:',
    );
    process.stderr.write(`${tls} pair: client pid ${client.child.pid}, server pid ${server.child.pid}\n`);
    scenarios.push({
      name: `automesh pair ${tls === 'mtls' ? 'mTLS' : tls === 'base' ? 'mTLS (baseline)' : 'plaintext'}`,
      url: `http://${PAIR_IPS[tls].client}:15001/`,
      host: `${SERVICE}:${SERVICE_PORT}`,
      proxies: [client, server],
    });
  }
  if (only.includes('nginx')) {
    const nginxServer = await start(
      'nginx-server',
      'nginx',
      ['-c', writeNginx('server'), '-e', join(work, 'nginx-server.err')],
      null,
    );
    const nginxClient = await start(
      'nginx-client',
      'nginx',
      ['-c', writeNginx('client'), '-e', join(work, 'nginx-client.err')],
      null,
    );
    scenarios.push({
      name: 'nginx pair mTLS',
      url: `http://${NGINX_CLIENT.host}:${NGINX_CLIENT.port}/`,
      proxies: [nginxClient, nginxServer],
    });
  }
  if (only.includes('tunnel')) {
    // Not in the default set: the floor for a Node pair (see tunnel.ts), for comparison.
    const tunnel = (role: 'client' | 'server', from: typeof TUNNEL_CLIENT, to: typeof APP): Promise<Proc> =>
      start(
        `tunnel-${role}`,
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'bench/dataplane/tunnel.ts'),
          role,
          from.host,
          String(from.port),
          to.host,
          String(to.port),
          work,
        ],
        'listening',
      );
    const server = await tunnel('server', TUNNEL_SERVER, APP);
    const client = await tunnel('client', TUNNEL_CLIENT, TUNNEL_SERVER);
    scenarios.push({
      name: 'Node TLS tunnel pair (no HTTP)',
      url: `http://${TUNNEL_CLIENT.host}:${TUNNEL_CLIENT.port}/`,
      proxies: [client, server],
    });
  }
  const rows: Row[] = [];
  await new Promise((r) => setTimeout(r, 2000)); // settle: startup garbage collected
  const idle = new Map(
    scenarios.flatMap((s) => s.proxies.map((p) => [p, memoryMiB(p.child.pid!).rss] as const)),
  );
  await measureAll(scenarios, rows);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(
    `\n${BODY_BYTES > 0 ? `POST with a ${BODY_BYTES}-byte body, ` : ''}${ROUNDS} interleaved rounds of ${DURATION_S} s per scenario (medians; CPU summed over rounds), wrk -t1, Node ${process.version}, ${new Date().toISOString()}, load average after: ${load}\n\n${table(rows)}\n`,
  );
  process.stdout.write(
    `\nMemory per proxy (RSS in MiB, with its children for nginx): idle after start, and the peak (VmHWM) over the whole run\n\n${memoryTable(scenarios, idle)}\n\n`,
  );
  const ratio = (name: string, c: number): number =>
    rows.find((r) => r.scenario === name && r.connections === c)?.result.rps ?? NaN;
  for (const c of [32, 1]) {
    for (const name of ['automesh pair mTLS', 'automesh pair mTLS (baseline)']) {
      if (name.includes('baseline') && BASELINE === undefined) continue;
      process.stdout.write(
        `${name.slice('automesh pair '.length)} ÷ nginx mTLS at ${c} connection(s): ${(ratio(name, c) / ratio('nginx pair mTLS', c)).toFixed(2)}\n`,
      );
    }
  }
}

try {
  await main();
} finally {
  for (const p of [...running]) await stop(p);
  rmSync(work, { recursive: true, force: true });
}
