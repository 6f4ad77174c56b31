// Pid files beside each container's log, so that processes outliving a runtime that was killed
// hard (SIGKILL, power loss of the terminal) are found by the next start: adopted when they still
// belong to their pod, stopped otherwise.

import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function pidFile(podDir: string, container: string): string {
  return join(podDir, `${container}.pid`);
}

export function recordPid(podDir: string, container: string, pid: number | undefined): void {
  if (pid !== undefined) writeFileSync(pidFile(podDir, container), `${pid}\n`);
}

export function forgetPid(podDir: string, container: string): void {
  rmSync(pidFile(podDir, container), { force: true });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return ''; // the process is gone or not ours to inspect: nothing to match
  }
}

/** True when `pid` still runs for this pod (guards against a recycled pid). */
function belongsToPod(pid: number, podDir: string, pod: string): boolean {
  const environ = readText(`/proc/${pid}/environ`).split('\0');
  const cmdline = readText(`/proc/${pid}/cmdline`);
  return (
    environ.includes(`POD_NAME=${pod}`) || environ.some((v) => v.includes(podDir)) || cmdline.includes(podDir)
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

/** Kills processes recorded under `<stateDir>/pods` that still run; returns their pids. */
export function killLeftoverProcesses(stateDir: string): number[] {
  const root = join(stateDir, 'pods');
  if (!existsSync(root)) return [];
  const killed: number[] = [];
  for (const ns of readdirSync(root)) {
    for (const pod of readdirSync(join(root, ns))) {
      const podDir = join(root, ns, pod);
      for (const file of readdirSync(podDir).filter((f) => f.endsWith('.pid'))) {
        const pid = Number(readText(join(podDir, file)).trim());
        if (Number.isInteger(pid) && pid > 1 && belongsToPod(pid, podDir, pod)) {
          killProcess(pid);
          killed.push(pid);
        }
        rmSync(join(podDir, file), { force: true });
      }
    }
  }
  return killed;
}

/** The processes of one pod directory that still run: container name → pid. */
export interface LeftoverPod {
  namespace: string;
  pod: string;
  podDir: string;
  pids: Map<string, number>;
}

/**
 * The pod processes recorded under `<stateDir>/pods` that still run, by `<namespace>/<pod>`; pid
 * files of processes that are gone (or whose pid now belongs to someone else) are removed.
 */
export function readLeftovers(stateDir: string): Map<string, LeftoverPod> {
  const root = join(stateDir, 'pods');
  const found = new Map<string, LeftoverPod>();
  if (!existsSync(root)) return found;
  for (const namespace of readdirSync(root)) {
    for (const pod of readdirSync(join(root, namespace))) {
      const podDir = join(root, namespace, pod);
      const pids = new Map<string, number>();
      for (const file of readdirSync(podDir).filter((f) => f.endsWith('.pid'))) {
        const pid = Number(readText(join(podDir, file)).trim());
        if (Number.isInteger(pid) && pid > 1 && belongsToPod(pid, podDir, pod)) {
          pids.set(file.slice(0, -'.pid'.length), pid);
        } else {
          rmSync(join(podDir, file), { force: true });
        }
      }
      if (pids.size > 0) found.set(`${namespace}/${pod}`, { namespace, pod, podDir, pids });
    }
  }
  return found;
}

/** Kills every process of a leftover pod and forgets their pid files. */
export function killLeftoverPod(leftover: LeftoverPod): number[] {
  for (const [container, pid] of leftover.pids) {
    killProcess(pid);
    forgetPid(leftover.podDir, container);
  }
  return [...leftover.pids.values()];
}
