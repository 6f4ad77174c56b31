// One running pod: its containers as supervised child processes (plus the sidecar for injected
// pods, or the plain service proxy on podIP:15001 for pods without one), its readiness, and its
// status, reported whenever it changes. Processes an earlier runtime left running for this very pod
// are adopted instead of started again. How a container is launched (container-launch), the token
// file (pod-token-file), the status rules (pod-status) and the files' layout (pod-directory) each
// live in a module of their own; this class only sequences them for one pod.

import { namespaceOf } from '../api/index.js';
import { mkdirSync } from 'node:fs';
import type { Logger } from '../log/index.js';
import type { Container, Pod } from '../api/index.js';
import { containerEnvironment } from './container-env.js';
import { copyOutputToLog, spawnContainer, trackPid } from './container-launch.js';
import type { RunnableProgram, StartSidecar } from './container-launch.js';
import { hostPort } from './host-port.js';
import { imageProgram } from './image-program.js';
import type { ImageProgram } from './image-program.js';
import type { PodDirectory } from './pod-directory.js';
import { podStatus } from './pod-status.js';
import { DEFAULT_POD_TOKEN_REFRESH_MS, PodTokenFile } from './pod-token-file.js';
import type { MintPodToken } from './pod-token-file.js';
import { SIDECAR_ADMIN_PORT, SIDECAR_OUTBOUND_PORT } from '../api/inject-sidecar.js';
import { SIDECAR_CONTAINER_NAME } from '../api/sidecar-presence.js';
import type { AdoptedProcess } from './adopted-process.js';
import { judgeLeftovers, waitGone } from './leftover-adoption.js';
import { forgetPid, killProcess } from './leftover-processes.js';
import { identityEnvironment } from './process-identity.js';
import type { ContainerLaunchSpec } from './process-identity.js';
import { httpReady, tcpAccepts } from './readiness-probes.js';
import { writeSidecarRecord } from './sidecar-record.js';
import { startServiceProxy } from './service-proxy.js';
import type { Resolver, ServiceProxy } from './service-proxy.js';
import { SupervisedProcess } from './supervised-process.js';
import type { BackoffOptions, ProcessHandle } from './supervised-process.js';

export type { SidecarContext, StartSidecar } from './container-launch.js';
export type { MintPodToken } from './pod-token-file.js';

export interface PodWorkerOptions {
  pod: Pod;
  podIP: string;
  appHost: string;
  /** The node's address, reported as status.hostIP. */
  hostIP: string;
  injected: boolean;
  dir: PodDirectory;
  isRoot: boolean;
  resolve: Resolver;
  startSidecar?: StartSidecar;
  mintPodToken?: MintPodToken;
  /** How often the token of a running sidecar is replaced (default DEFAULT_POD_TOKEN_REFRESH_MS). */
  podTokenRefreshMs?: number;
  backoff?: BackoffOptions;
  stopGraceMs?: number;
  logger: Logger;
  onStatus: (status: NonNullable<Pod['status']>) => void;
  /** Processes of this pod still running from an earlier runtime: container name → pid. */
  leftovers?: ReadonlyMap<string, number>;
  /** Changes whenever sidecars would be started differently (see RuntimeOptions.sidecarLauncher). */
  sidecarLauncher?: string;
}

const PROBE_FAST_MS = 100;
const PROBE_SLOW_MS = 2000;
const KILL_WAIT_MS = 2000;

interface Slot {
  container: Container;
  program: ImageProgram | undefined;
  process: SupervisedProcess | undefined;
  ready: boolean;
  /** Running from an earlier runtime, taken over rather than started. */
  adopted: boolean;
}

export class PodWorker {
  private readonly slots: Slot[] = [];
  private proxy: ServiceProxy | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly token: PodTokenFile;
  private probing = false;
  private stopped = false;
  /** No status is reported while starting: an adopted pod must not look NotReady for a moment. */
  private startingNow = false;
  private lastReported = '';
  private probedOnce = false;
  private tokenWritten = false;
  constructor(private readonly options: PodWorkerOptions) {
    const { pod, dir } = options;
    const binding = {
      namespace: namespaceOf(pod),
      serviceAccount: pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default',
      pod: pod.metadata.name,
      podUid: pod.metadata.uid ?? '',
    };
    this.token = new PodTokenFile(dir.tokenFile, binding, options.mintPodToken, options.logger);
  }

  /**
   * The token the sidecar's first certificate request needs, before it starts. A failure (the
   * control plane unreachable) is logged; the sidecar then fails its request and is restarted
   * with back-off, each restart asking for a token again.
   */
  private async firstToken(): Promise<void> {
    try {
      await this.token.write();
    } catch (err) {
      this.options.logger.warn('pod token could not be minted', {
        pod: this.options.pod.metadata.name,
        error: (err as Error).message,
      });
    } finally {
      this.tokenWritten = true;
    }
  }

  /** True until the first status is known (processes started or adopted, adopted ones probed). */
  get starting(): boolean {
    return this.startingNow || !this.probedOnce;
  }

  get dir(): PodDirectory {
    return this.options.dir;
  }

  get pod(): Pod {
    return this.options.pod;
  }

  get podIP(): string {
    return this.options.podIP;
  }

  /** Ready: every container is running and answers on its ports (the sidecar on /ready). */
  get ready(): boolean {
    return this.slots.length > 0 && this.slots.every((s) => s.ready);
  }

  async start(): Promise<void> {
    this.startingNow = true;
    try {
      if (this.options.injected) await this.firstToken(); // an adopted sidecar gets a fresh one too
      await this.startSlots();
    } finally {
      this.startingNow = false;
    }
    if (this.options.injected && !this.stopped) {
      this.token.refreshEvery(this.options.podTokenRefreshMs ?? DEFAULT_POD_TOKEN_REFRESH_MS);
    }
    if (this.slots.some((s) => s.adopted)) {
      // Probe before the first report, so that a pod whose processes kept serving stays Ready.
      await this.probe();
    } else {
      this.report();
      this.scheduleProbe(0);
    }
  }

  private async startSlots(): Promise<void> {
    const o = this.options;
    mkdirSync(o.dir.path, { recursive: true, mode: 0o700 });
    if (!o.injected) {
      this.proxy = await startServiceProxy({
        host: o.podIP,
        port: hostPort(SIDECAR_OUTBOUND_PORT, o.isRoot),
        resolve: o.resolve,
        mapPort: (p) => hostPort(p, o.isRoot),
      });
    }
    for (const container of o.pod.spec.containers) {
      const slot: Slot = { container, program: undefined, process: undefined, ready: false, adopted: false };
      this.slots.push(slot);
      if (container.name === SIDECAR_CONTAINER_NAME && o.injected) {
        slot.process = this.supervise(() => this.launchSidecar(container), false);
        continue;
      }
      const env = this.envFor(container);
      slot.program = imageProgram(container, env);
      if (slot.program.kind === 'unsupported') {
        o.logger.warn('container cannot run', {
          pod: o.pod.metadata.name,
          container: container.name,
          reason: slot.program.message,
        });
        continue;
      }
      const program = slot.program;
      slot.process = this.supervise(() => this.launchContainer(container, program, env), true);
    }
    if (o.injected && !this.slots.some((s) => s.container.name === SIDECAR_CONTAINER_NAME)) {
      // Labelled tlsMode=istio without the container: the runtime still gives it a sidecar.
      const sidecar: Container = { name: SIDECAR_CONTAINER_NAME, image: 'automesh/proxy' };
      this.slots.push({
        container: sidecar,
        program: undefined,
        process: this.supervise(() => this.launchSidecar(sidecar), false),
        ready: false,
        adopted: false,
      });
    }
    const killed = this.adoptLeftovers();
    await waitGone(killed, KILL_WAIT_MS);
    for (const slot of this.slots) if (!slot.adopted) slot.process?.start();
  }

  private launchSpec(container: Container): ContainerLaunchSpec {
    const o = this.options;
    const sidecar = container.name === SIDECAR_CONTAINER_NAME && o.injected;
    return {
      container,
      podIP: o.podIP,
      appHost: o.appHost,
      injected: o.injected,
      isRoot: o.isRoot,
      ...(sidecar && o.sidecarLauncher !== undefined ? { launcher: o.sidecarLauncher } : {}),
    };
  }

  private identity(container: Container): Record<string, string> {
    return identityEnvironment(this.options.pod.metadata.uid ?? '', this.launchSpec(container));
  }

  /**
   * Takes over each leftover process that still runs as this pod's container, started from the same
   * spec; kills the others (another pod of the same name, an older spec). Returns the killed pids.
   */
  private adoptLeftovers(): number[] {
    const o = this.options;
    const leftovers = o.leftovers ?? new Map<string, number>();
    const candidates = this.slots
      .filter((s) => s.process !== undefined)
      .map((s) => ({ container: s.container.name, identity: this.identity(s.container) }));
    const verdict = judgeLeftovers(leftovers, candidates, o.pod.metadata.uid !== undefined);
    for (const slot of this.slots) {
      const handle = verdict.adopt.get(slot.container.name);
      if (handle !== undefined && slot.process !== undefined) this.adopt(slot, slot.process, handle);
    }
    for (const pid of verdict.kill) killProcess(pid);
    for (const container of leftovers.keys()) if (!verdict.adopt.has(container)) forgetPid(o.dir, container);
    if (verdict.kill.length > 0)
      o.logger.info('stopped processes left from an earlier run', {
        pod: o.pod.metadata.name,
        pids: verdict.kill,
      });
    return verdict.kill;
  }

  private adopt(slot: Slot, supervisor: SupervisedProcess, handle: AdoptedProcess): void {
    const o = this.options;
    const name = slot.container.name;
    handle.once('exit', () => forgetPid(o.dir, name));
    const previous = o.pod.status?.containerStatuses?.find((c) => c.name === name);
    const running = previous?.state['running'] as { startedAt?: unknown } | undefined;
    const startedAt = typeof running?.startedAt === 'string' ? new Date(running.startedAt) : new Date();
    slot.adopted = true;
    supervisor.adopt(
      handle,
      Number.isNaN(startedAt.getTime()) ? new Date() : startedAt,
      previous?.restartCount ?? 0,
    );
    o.logger.info('adopted a running container', {
      pod: o.pod.metadata.name,
      container: name,
      pid: handle.pid,
    });
  }

  private envFor(container: Container): Record<string, string> {
    const o = this.options;
    return {
      ...containerEnvironment(o.pod, container, {
        podIP: o.podIP,
        listenHost: o.injected ? o.appHost : o.podIP,
      }),
      ...this.identity(container),
    };
  }

  private supervise(launch: () => ProcessHandle, killGroup: boolean): SupervisedProcess {
    const o = this.options;
    return new SupervisedProcess({
      launch,
      killGroup,
      ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
      ...(o.stopGraceMs !== undefined ? { stopGraceMs: o.stopGraceMs } : {}),
      onChange: () => this.onProcessChange(),
      onExit: (why) => o.logger.debug('container exited', { pod: o.pod.metadata.name, why }),
    });
  }

  private onProcessChange(): void {
    for (const slot of this.slots) if (slot.process?.running !== true) slot.ready = false;
    this.report();
    if (!this.stopped && !this.startingNow) this.scheduleProbe(PROBE_FAST_MS);
  }

  private launchContainer(
    container: Container,
    program: RunnableProgram,
    env: Record<string, string>,
  ): ProcessHandle {
    const o = this.options;
    return spawnContainer({
      dir: o.dir,
      container: container.name,
      program,
      env,
      listenHost: o.injected ? o.appHost : o.podIP,
      mapPort: (port) => hostPort(port, o.isRoot),
    });
  }

  private launchSidecar(container: Container): ProcessHandle {
    const o = this.options;
    if (o.startSidecar === undefined)
      throw new Error('no sidecar launcher configured (RuntimeOptions.startSidecar)');
    // The first start waited for a token (start()); a restart renews it, the old one still valid.
    if (this.tokenWritten) this.token.renew();
    writeSidecarRecord(o.dir, {
      pod: o.pod.metadata.name,
      namespace: namespaceOf(o.pod),
      adminAddress: `${o.podIP}:${hostPort(SIDECAR_ADMIN_PORT, o.isRoot)}`,
    });
    const logPath = o.dir.logFile(SIDECAR_CONTAINER_NAME);
    const handle = o.startSidecar(o.pod, {
      podIP: o.podIP,
      appHost: o.appHost,
      tokenPath: this.token.path,
      logPath,
      isRoot: o.isRoot,
      env: this.identity(container),
    });
    trackPid(o.dir, SIDECAR_CONTAINER_NAME, handle);
    copyOutputToLog(handle, logPath);
    return handle;
  }

  private scheduleProbe(delayMs: number): void {
    if (this.stopped) return;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.probe();
    }, delayMs);
  }

  private async probe(): Promise<void> {
    if (this.probing || this.stopped) return;
    this.probing = true;
    try {
      const results = await Promise.all(this.slots.map((s) => this.probeSlot(s)));
      this.slots.forEach((s, i) => (s.ready = results[i] === true && s.process?.running === true));
      this.probedOnce = true;
      this.report();
    } finally {
      this.probing = false;
    }
    this.scheduleProbe(this.ready ? PROBE_SLOW_MS : PROBE_FAST_MS);
  }

  private async probeSlot(slot: Slot): Promise<boolean> {
    const o = this.options;
    if (slot.process?.running !== true) return false;
    if (slot.container.name === SIDECAR_CONTAINER_NAME && o.injected) {
      return httpReady(o.podIP, hostPort(SIDECAR_ADMIN_PORT, o.isRoot), '/ready');
    }
    const host = o.injected ? o.appHost : o.podIP;
    const ports =
      slot.program?.kind === 'httpbin'
        ? [slot.program.port]
        : (slot.container.ports ?? [])
            .filter((p) => (p.protocol ?? 'TCP') === 'TCP')
            .map((p) => p.containerPort);
    const checks = await Promise.all(ports.map((p) => tcpAccepts(host, hostPort(p, o.isRoot))));
    return checks.every(Boolean);
  }

  /** The pod's status as Kubernetes would show it. */
  status(): NonNullable<Pod['status']> {
    const containers = this.slots.map((s) => ({
      name: s.container.name,
      image: s.container.image,
      program: s.program,
      process: s.process,
      ready: s.ready,
    }));
    return podStatus(containers, this.options.podIP, this.options.hostIP);
  }

  private report(): void {
    if (this.stopped || this.startingNow) return;
    const status = this.status();
    const key = JSON.stringify(status);
    if (key === this.lastReported) return;
    this.lastReported = key;
    this.options.onStatus(status);
  }

  /** Stops every process and listener of the pod; resolves when all are gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.token.stop();
    await Promise.all([...this.slots.map((s) => s.process?.stop()), this.proxy?.close()]);
  }
}
