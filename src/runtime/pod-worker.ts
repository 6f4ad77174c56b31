// One running pod: its containers as supervised child processes (plus the sidecar for injected
// pods, or the plain service proxy on podIP:15001 for pods without one), its token file, its log
// files and its readiness. It reports the pod's status whenever it changes. Processes an earlier
// runtime left running for this very pod are adopted instead of started again.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PodBinding } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import type { Container, ContainerStatus, Pod, PodCondition } from '../api/index.js';
import { containerEnvironment } from './container-env.js';
import { httpbinArgv } from './builtin-programs.js';
import { hostPort } from './host-port.js';
import { imageProgram } from './image-program.js';
import type { ImageProgram } from './image-program.js';
import { SIDECAR_ADMIN_PORT, SIDECAR_CONTAINER_NAME, SIDECAR_OUTBOUND_PORT } from '../api/inject-sidecar.js';
import { AdoptedProcess } from './adopted-process.js';
import { forgetPid, killProcess, recordPid } from './leftover-processes.js';
import { carriesIdentity, identityEnvironment, processStartTicks } from './process-identity.js';
import type { ContainerLaunchSpec } from './process-identity.js';
import { httpReady, tcpAccepts } from './readiness-probes.js';
import { writeSidecarRecord } from './sidecar-record.js';
import { startServiceProxy } from './service-proxy.js';
import type { Resolver, ServiceProxy } from './service-proxy.js';
import { SupervisedProcess } from './supervised-process.js';
import type { BackoffOptions, ProcessHandle } from './supervised-process.js';

/** Where the lead's sidecar should listen and find its credentials. */
export interface SidecarContext {
  /** Inbound listeners on podIP:hostPort(containerPort), outbound proxy on podIP:15001, admin on podIP:15000. */
  podIP: string;
  /** The app listens on appHost:hostPort(containerPort); inbound forwards there. */
  appHost: string;
  /** The pod credential for the CA (mode 0600), refreshed before each sidecar start. */
  tokenPath: string;
  /** The sidecar's log file (`automesh logs POD -c istio-proxy`); spawn with stdio into it, or return piped stdout/stderr. */
  logPath: string;
  isRoot: boolean;
  /**
   * Variables the sidecar process must carry in its environment (pod UID, container hash) so that
   * a runtime started after this one was killed can recognise and adopt it. Without them a
   * surviving sidecar is restarted instead.
   */
  env: Record<string, string>;
}

export type StartSidecar = (pod: Pod, context: SidecarContext) => ProcessHandle;
export type MintPodToken = (binding: PodBinding) => string;

export interface PodWorkerOptions {
  pod: Pod;
  podIP: string;
  appHost: string;
  injected: boolean;
  podDir: string;
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
/** Half the control plane's pod token lifetime (1 h). */
export const DEFAULT_POD_TOKEN_REFRESH_MS = 30 * 60_000;
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (bounded) until the killed processes are gone, so their ports are free again. */
async function waitGone(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((p) => processStartTicks(p) !== undefined) && Date.now() < deadline) await sleep(25);
}

export class PodWorker {
  private readonly slots: Slot[] = [];
  private proxy: ServiceProxy | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private tokenTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;
  /** No status is reported while starting: an adopted pod must not look NotReady for a moment. */
  private starting = false;
  private lastReported = '';
  readonly tokenPath: string;

  constructor(private readonly options: PodWorkerOptions) {
    this.tokenPath = join(options.podDir, 'token');
  }

  get pod(): Pod {
    return this.options.pod;
  }

  /** Ready: every container is running and answers on its ports (the sidecar on /ready). */
  get ready(): boolean {
    return this.slots.length > 0 && this.slots.every((s) => s.ready);
  }

  async start(): Promise<void> {
    this.starting = true;
    try {
      await this.startSlots();
    } finally {
      this.starting = false;
    }
    this.refreshTokenPeriodically();
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
    mkdirSync(o.podDir, { recursive: true, mode: 0o700 });
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
    const leftovers = new Map(o.leftovers ?? []);
    const killed: number[] = [];
    for (const slot of this.slots) {
      const name = slot.container.name;
      const pid = leftovers.get(name);
      if (pid === undefined || slot.process === undefined) continue;
      leftovers.delete(name);
      const ticks = processStartTicks(pid);
      if (
        ticks !== undefined &&
        o.pod.metadata.uid !== undefined &&
        carriesIdentity(pid, this.identity(slot.container))
      ) {
        this.adopt(slot, slot.process, new AdoptedProcess(pid, ticks));
      } else if (ticks !== undefined) {
        killProcess(pid);
        killed.push(pid);
      }
    }
    for (const pid of leftovers.values()) {
      killProcess(pid); // a container this pod no longer has
      killed.push(pid);
    }
    for (const container of o.leftovers?.keys() ?? []) {
      if (!this.slots.some((s) => s.adopted && s.container.name === container))
        forgetPid(o.podDir, container);
    }
    if (killed.length > 0)
      o.logger.info('stopped processes left from an earlier run', { pod: o.pod.metadata.name, pids: killed });
    return killed;
  }

  private adopt(slot: Slot, supervisor: SupervisedProcess, handle: AdoptedProcess): void {
    const o = this.options;
    const name = slot.container.name;
    handle.once('exit', () => forgetPid(o.podDir, name));
    const previous = o.pod.status?.containerStatuses?.find((c) => c.name === name);
    const running = previous?.state['running'] as { startedAt?: unknown } | undefined;
    const startedAt = typeof running?.startedAt === 'string' ? new Date(running.startedAt) : new Date();
    slot.adopted = true;
    if (name === SIDECAR_CONTAINER_NAME && o.injected) this.writeToken(); // a fresh one, as at a start
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

  private logPath(container: string): string {
    return join(this.options.podDir, `${container}.log`);
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
    if (!this.stopped && !this.starting) this.scheduleProbe(PROBE_FAST_MS);
  }

  private launchContainer(
    container: Container,
    program: Exclude<ImageProgram, { kind: 'unsupported' }>,
    env: Record<string, string>,
  ): ProcessHandle {
    const o = this.options;
    const listenHost = o.injected ? o.appHost : o.podIP;
    const [command, args] =
      program.kind === 'httpbin'
        ? [process.execPath, httpbinArgv(listenHost, hostPort(program.port, o.isRoot))]
        : [program.command, program.args];
    const fd = openSync(this.logPath(container.name), 'a', 0o600);
    try {
      // Detached: its own process group, so stopping the container stops what it started too.
      const child = spawn(command, args, { env, cwd: o.podDir, stdio: ['ignore', fd, fd], detached: true });
      this.trackPid(container.name, child);
      return child;
    } finally {
      closeSync(fd);
    }
  }

  private trackPid(container: string, child: ProcessHandle): void {
    recordPid(this.options.podDir, container, child.pid);
    child.once('exit', () => forgetPid(this.options.podDir, container));
  }

  /**
   * A sidecar re-reads its token file whenever it needs the token (its first certificate, or a new
   * one after its certificate ran out), so the file must hold a valid token for as long as the pod
   * runs, not only at the sidecar's start.
   */
  private refreshTokenPeriodically(): void {
    const o = this.options;
    if (!o.injected || o.mintPodToken === undefined || this.stopped) return;
    this.tokenTimer = setInterval(() => {
      try {
        this.writeToken();
      } catch (err) {
        o.logger.warn('pod token refresh failed', {
          pod: o.pod.metadata.name,
          error: (err as Error).message,
        });
      }
    }, o.podTokenRefreshMs ?? DEFAULT_POD_TOKEN_REFRESH_MS);
    this.tokenTimer.unref();
  }

  private writeToken(): void {
    const o = this.options;
    if (o.mintPodToken === undefined) return;
    const token = o.mintPodToken({
      namespace: o.pod.metadata.namespace ?? 'default',
      serviceAccount: o.pod.spec.serviceAccountName ?? o.pod.spec.serviceAccount ?? 'default',
      pod: o.pod.metadata.name,
      podUid: o.pod.metadata.uid ?? '',
    });
    const tmp = `${this.tokenPath}.tmp`;
    writeFileSync(tmp, token, { mode: 0o600 });
    renameSync(tmp, this.tokenPath);
  }

  private launchSidecar(container: Container): ProcessHandle {
    const o = this.options;
    if (o.startSidecar === undefined)
      throw new Error('no sidecar launcher configured (RuntimeOptions.startSidecar)');
    this.writeToken();
    writeSidecarRecord(o.podDir, {
      pod: o.pod.metadata.name,
      namespace: o.pod.metadata.namespace ?? 'default',
      adminAddress: `${o.podIP}:${hostPort(SIDECAR_ADMIN_PORT, o.isRoot)}`,
    });
    const logPath = this.logPath(SIDECAR_CONTAINER_NAME);
    const handle = o.startSidecar(o.pod, {
      podIP: o.podIP,
      appHost: o.appHost,
      tokenPath: this.tokenPath,
      logPath,
      isRoot: o.isRoot,
      env: this.identity(container),
    });
    this.trackPid(SIDECAR_CONTAINER_NAME, handle);
    if (handle.stdout != null || handle.stderr != null) {
      const fd = openSync(logPath, 'a', 0o600);
      let open = 2;
      const release = (): void => {
        if (--open === 0) closeSync(fd);
      };
      for (const stream of [handle.stdout, handle.stderr]) {
        if (stream == null) {
          release();
          continue;
        }
        stream.on('data', (chunk: Buffer) => writeFileSync(fd, chunk));
        stream.once('close', release);
      }
    }
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

  private containerStatus(slot: Slot): ContainerStatus {
    const p = slot.process;
    let state: Record<string, unknown>;
    if (slot.program?.kind === 'unsupported') {
      state = { waiting: { reason: slot.program.reason, message: slot.program.message } };
    } else {
      const { state: kind, ...details } = p?.current ?? { state: 'waiting', reason: 'ContainerCreating' };
      state = { [kind]: details };
    }
    return {
      name: slot.container.name,
      image: slot.container.image,
      ready: slot.ready,
      restartCount: p?.restartCount ?? 0,
      state,
    };
  }

  /** The pod's status as Kubernetes would show it. */
  status(): NonNullable<Pod['status']> {
    const statuses = this.slots.map((s) => this.containerStatus(s));
    const anyStarted = this.slots.some(
      (s) =>
        s.process !== undefined &&
        (s.process.running || s.process.restartCount > 0 || s.process.current.state === 'terminated'),
    );
    const cannotRun = this.slots.some((s) => s.program?.kind === 'unsupported');
    const ready = this.ready;
    const condition = (type: PodCondition['type'], ok: boolean): PodCondition => ({
      type,
      status: ok ? 'True' : 'False',
    });
    return {
      phase: anyStarted && !cannotRun ? 'Running' : 'Pending',
      podIP: this.options.podIP,
      hostIP: '127.0.0.1',
      conditions: [
        condition('Initialized', true),
        condition('Ready', ready),
        condition('ContainersReady', ready),
        condition('PodScheduled', true),
      ],
      containerStatuses: statuses,
    };
  }

  private report(): void {
    if (this.stopped || this.starting) return;
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
    if (this.tokenTimer !== undefined) clearInterval(this.tokenTimer);
    await Promise.all([...this.slots.map((s) => s.process?.stop()), this.proxy?.close()]);
  }
}
