// Pid files beside each container's log, so that processes outliving a runtime that was killed
// hard (SIGKILL, power loss of the terminal) are found by the next start: adopted when they still
// belong to their pod, stopped otherwise.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { listPodDirectories } from './pod-directory.js';
import type { PodDirectory } from './pod-directory.js';

export function recordPid(dir: PodDirectory, container: string, pid: number | undefined): void {
  if (pid !== undefined) writeFileSync(dir.pidFile(container), `${pid}\n`);
}

export function forgetPid(dir: PodDirectory, container: string): void {
  rmSync(dir.pidFile(container), { force: true });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return ''; // the process is gone or not ours to inspect: nothing to match
  }
}

/** True when `pid` still runs for this pod (guards against a recycled pid). */
function belongsToPod(pid: number, dir: PodDirectory): boolean {
  const environ = readText(`/proc/${pid}/environ`).split('\0');
  const cmdline = readText(`/proc/${pid}/cmdline`);
  return (
    environ.includes(`POD_NAME=${dir.pod}`) ||
    environ.some((v) => v.includes(dir.path)) ||
    cmdline.includes(dir.path)
  );
}

/** SIGKILL to the process group of `pid` (containers lead their own), else to `pid` alone. */
export function killProcess(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/**
 * The processes a pod directory's pid files name that still run for that pod: container name →
 * pid. Pid files of processes that are gone (or whose pid now belongs to someone else) are removed.
 */
function livePids(dir: PodDirectory): Map<string, number> {
  const pids = new Map<string, number>();
  for (const { container, file } of dir.pidFiles()) {
    const pid = Number(readText(file).trim());
    if (Number.isInteger(pid) && pid > 1 && belongsToPod(pid, dir)) pids.set(container, pid);
    else rmSync(file, { force: true });
  }
  return pids;
}

/** The processes of one pod directory that still run: container name → pid. */
export interface LeftoverPod {
  dir: PodDirectory;
  pids: Map<string, number>;
}

/** The pod processes recorded under the state directory that still run, by `<namespace>/<pod>`. */
export function readLeftovers(stateDir: string): Map<string, LeftoverPod> {
  const found = new Map<string, LeftoverPod>();
  for (const dir of listPodDirectories(stateDir)) {
    const pids = livePids(dir);
    if (pids.size > 0) found.set(`${dir.namespace}/${dir.pod}`, { dir, pids });
  }
  return found;
}

/** Kills every process of a leftover pod and forgets their pid files. */
export function killLeftoverPod(leftover: LeftoverPod): number[] {
  for (const [container, pid] of leftover.pids) {
    killProcess(pid);
    forgetPid(leftover.dir, container);
  }
  return [...leftover.pids.values()];
}

/** Kills processes recorded under the state directory that still run; returns their pids. */
export function killLeftoverProcesses(stateDir: string): number[] {
  return [...readLeftovers(stateDir).values()].flatMap(killLeftoverPod);
}
