// Helpers for the fault tests: deploy the seed samples (sidecar injected) into a backend, wait for
// pods, read a sidecar's admin port, and the steady request stream whose failures the tests count.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { Pod, Resource } from '../../../src/api/index.js';
import { decodeManifests } from '../../../src/api/index.js';
import { injectSidecar } from '../../../src/api/index.js';
import type { RuntimeBackend } from '../../../src/runtime/index.js';
import { startLocalMesh, type LocalMesh } from '../../../src/cli/up/start-mesh.js';
import { cliArgv } from '../../../src/cli/self.js';
import { silentLogger } from '../../../src/log/index.js';
import { REPO_ROOT } from '../../support/cli.js';
import { waitFor } from '../../support/wait-for.js';

export const isReady = (p: Pod): boolean =>
  p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

export { waitFor };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The samples' documents (namespace set, sidecar injected), httpbin with `replicas`. */
export function sampleResources(namespace: string, options: { httpbinReplicas?: number } = {}): Resource[] {
  const out: Resource[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }];
  for (const file of ['samples/httpbin/httpbin.yaml', 'samples/sleep/sleep.yaml']) {
    const decoded = decodeManifests(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
    if (decoded.problems.length > 0) throw new Error(`${file}: ${JSON.stringify(decoded.problems)}`);
    for (const r of decoded.resources) {
      let doc = { ...r, metadata: { ...r.metadata, namespace } } as Resource;
      if (doc.kind === 'Deployment' && doc.metadata.name === 'httpbin' && options.httpbinReplicas) {
        doc = { ...doc, spec: { ...(doc.spec as object), replicas: options.httpbinReplicas } } as Resource;
      }
      out.push(injectSidecar(doc));
    }
  }
  return out;
}

export async function createAll(backend: RuntimeBackend, resources: Resource[]): Promise<void> {
  for (const r of resources) await backend.create(r);
}

/** The Ready pods of `app` in `namespace`, once there are `count` of them. */
export async function readyPods(
  backend: RuntimeBackend,
  namespace: string,
  app: string,
  count = 1,
  timeoutMs = 45_000,
): Promise<Pod[]> {
  return waitFor(
    `${count} Ready ${app} pod(s) in ${namespace}`,
    async () => {
      const pods = ((await backend.list('Pod', { namespace })).items as Pod[]).filter(
        (p) => p.metadata.labels?.['app'] === app && p.metadata.deletionTimestamp === undefined,
      );
      const ready = pods.filter(isReady);
      return ready.length === count && ready;
    },
    timeoutMs,
  );
}

export interface HttpResult {
  status: number;
  body: string;
}

/** One GET with a deadline; rejects on a socket error or when `timeoutMs` passes. */
export function httpGet(
  url: string,
  options: { proxy?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const via = options.proxy === undefined ? target : new URL(options.proxy);
    const req = http.request(
      {
        host: via.hostname,
        port: via.port,
        path: options.proxy === undefined ? `${target.pathname}${target.search}` : url,
        headers: { host: target.host },
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 5_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET on a sidecar's admin port (podIP:15000). */
export async function admin(podIP: string, path: string): Promise<HttpResult> {
  return httpGet(`http://${podIP}:15000${path}`, { timeoutMs: 3_000 });
}

export interface Failure {
  at: number;
  what: string;
}

export interface StreamFigures {
  sent: number;
  ok: number;
  failures: Failure[];
  /** Responses per upstream pod (from httpbin's answer), when `countBy` is given. */
  byBackend: Map<string, number>;
}

/**
 * A steady request stream: one GET every `intervalMs` through the client sidecar's outbound proxy
 * (a fresh connection each time, so every request is routed anew), counting failures. A request
 * fails when it errors, times out or answers anything but 200.
 */
export class RequestStream {
  readonly figures: StreamFigures = { sent: 0, ok: 0, failures: [], byBackend: new Map() };
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly proxy: string,
    private readonly url: string,
    private readonly intervalMs = 40,
    private readonly backendOf?: (body: string) => string | undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), this.intervalMs);
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<StreamFigures> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
    return this.figures;
  }

  /** Failures since `since` (ms epoch). */
  failuresSince(since: number): Failure[] {
    return this.figures.failures.filter((f) => f.at >= since);
  }

  private fire(): void {
    const at = Date.now();
    this.figures.sent++;
    const request = httpGet(this.url, { proxy: this.proxy, timeoutMs: 5_000 }).then(
      (r) => {
        if (r.status === 200) {
          this.figures.ok++;
          const backend = this.backendOf?.(r.body);
          if (backend !== undefined) {
            this.figures.byBackend.set(backend, (this.figures.byBackend.get(backend) ?? 0) + 1);
          }
        } else {
          this.figures.failures.push({ at, what: `HTTP ${r.status}: ${r.body.slice(0, 200)}` });
        }
      },
      (err: unknown) => {
        this.figures.failures.push({ at, what: (err as Error).message });
      },
    );
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }
}

/** A one-line summary for the test output (and docs/reliability.md). */
export function describeFigures(name: string, f: StreamFigures, seconds: number): string {
  const first = f.failures.slice(0, 3).map((x) => x.what);
  return `${name}: ${f.sent} requests in ${seconds.toFixed(1)} s, ${f.ok} × 200, ${f.failures.length} failed${first.length ? ` (${first.join(' | ')})` : ''}`;
}

/**
 * Waits until a GET through `proxy` answers 200: a pod is Ready in the store a moment before the
 * client sidecar's snapshot lists it, and a stream started in between would count that as loss.
 */
export async function untilReachable(proxy: string, url: string): Promise<void> {
  await waitFor(`${url} through ${proxy}`, async () => {
    const r = await httpGet(url, { proxy }).catch(() => undefined);
    return r?.status === 200;
  });
}

/** A namespace-wide PeerAuthentication named `default`. */
export function peerAuthentication(namespace: string, mode: string): Resource {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'PeerAuthentication',
    metadata: { name: 'default', namespace },
    spec: { mtls: { mode } },
  } as Resource;
}

export function restartCount(pod: Pod | undefined, container: string): number {
  return pod?.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? -1;
}

/** The serial of the certificate a sidecar serves now, or undefined while its admin port is down. */
export async function serialOf(podIP: string): Promise<string | undefined> {
  const r = await admin(podIP, '/certs').catch(() => undefined);
  if (r?.status !== 200) return undefined;
  return (JSON.parse(r.body) as { serialNumber?: string }).serialNumber;
}

/**
 * The sum of a sidecar's Prometheus lines that start with `prefix` (a name and its first labels),
 * or undefined while its admin port is down.
 */
export async function metricSum(podIP: string, prefix: string): Promise<number | undefined> {
  const r = await admin(podIP, '/stats/prometheus').catch(() => undefined);
  if (r?.status !== 200) return undefined;
  return r.body
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

export interface FaultMesh {
  mesh: LocalMesh;
  store: LocalMesh['controlPlane']['store'];
  stateDir: string;
  /** Stops every pod and the control plane and removes the state directory. */
  stop(): Promise<void>;
}

/** The whole local mesh in this process, on its own state directory and pod address block. */
export async function startFaultMesh(
  name: string,
  options: { addressBlock: number; svidTtlSeconds?: number },
): Promise<FaultMesh> {
  const stateDir = mkdtempSync(join(tmpdir(), `automesh-fault-${name}-`));
  const mesh = await startLocalMesh({ stateDir, cliArgv: cliArgv(), logger: silentLogger, ...options });
  return {
    mesh,
    store: mesh.controlPlane.store,
    stateDir,
    stop: async () => {
      await mesh.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
