// Per-process figures from /proc: resident memory and open file descriptors of a sidecar.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcSample {
  pid: number;
  rssKiB: number;
  fds: number;
}

/** The pid a pod's container recorded (`<stateDir>/pods/<ns>/<pod>/<container>.pid`), if any. */
export function recordedPid(
  stateDir: string,
  namespace: string,
  pod: string,
  container = 'istio-proxy',
): number | undefined {
  try {
    const pid = Number(
      readFileSync(join(stateDir, 'pods', namespace, pod, `${container}.pid`), 'utf8').trim(),
    );
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** RSS (VmRSS) and fd count of `pid`; undefined when the process is gone. */
export function procSample(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    return { pid, rssKiB: Number(rss?.[1] ?? 0), fds };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
