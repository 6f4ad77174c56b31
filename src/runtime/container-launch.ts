// Starting one container's process: an image's program detached in its own process group with its
// output appended to the container's log file, or the sidecar through the launcher the runtime was
// given (a child process, or whatever a test starts), its output copied into its log when piped.
// Each process's pid is recorded in the pod directory while it runs, for a later runtime to adopt.

import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import type { Pod } from '../api/index.js';
import { httpbinArgv } from './builtin-programs.js';
import type { ImageProgram } from './image-program.js';
import { forgetPid, recordPid } from './leftover-processes.js';
import type { PodDirectory } from './pod-directory.js';
import type { ProcessHandle } from './supervised-process.js';

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

export type RunnableProgram = Exclude<ImageProgram, { kind: 'unsupported' }>;

/** The pid file lives as long as the process: a later runtime finds only what still runs. */
export function trackPid(dir: PodDirectory, container: string, child: ProcessHandle): void {
  recordPid(dir, container, child.pid);
  child.once('exit', () => forgetPid(dir, container));
}

export interface ContainerLaunch {
  dir: PodDirectory;
  container: string;
  program: RunnableProgram;
  env: Record<string, string>;
  /** Where the program listens: the app host behind a sidecar, else the pod IP. */
  listenHost: string;
  mapPort: (port: number) => number;
}

export function spawnContainer(launch: ContainerLaunch): ProcessHandle {
  const { dir, program } = launch;
  const [command, args] =
    program.kind === 'httpbin'
      ? [process.execPath, httpbinArgv(launch.listenHost, launch.mapPort(program.port))]
      : [program.command, program.args];
  const fd = openSync(dir.logFile(launch.container), 'a', 0o600);
  try {
    // Detached: its own process group, so stopping the container stops what it started too.
    const child = spawn(command, args, {
      env: launch.env,
      cwd: dir.path,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    trackPid(dir, launch.container, child);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Appends a launcher's piped stdout/stderr to the log file; the file closes when both streams have. */
export function copyOutputToLog(handle: ProcessHandle, logFile: string): void {
  if (handle.stdout == null && handle.stderr == null) return;
  const fd = openSync(logFile, 'a', 0o600);
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
