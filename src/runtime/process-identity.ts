// Who a pod process is, as a later runtime can check it from /proc: the runtime puts the pod's UID,
// the container name and a hash of what the process was started from into its environment, and
// reads the start time of the process so that a recycled pid is never mistaken for it.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Container } from '../api/index.js';
import { stableJson } from '../api/index.js';

export const POD_UID_ENV = 'AUTOMESH_POD_UID';
export const CONTAINER_NAME_ENV = 'AUTOMESH_CONTAINER';
export const CONTAINER_HASH_ENV = 'AUTOMESH_CONTAINER_HASH';

/** What a container process is started from; any change means it must be started again. */
export interface ContainerLaunchSpec {
  container: Container;
  podIP: string;
  appHost: string;
  injected: boolean;
  isRoot: boolean;
  /** For the sidecar: what the launcher says about how it starts sidecars (control-plane addresses...). */
  launcher?: string;
}

/** The marker variables a container process carries. */
export function identityEnvironment(podUid: string, spec: ContainerLaunchSpec): Record<string, string> {
  const hash = createHash('sha256').update(stableJson(spec)).digest('hex').slice(0, 24);
  return { [POD_UID_ENV]: podUid, [CONTAINER_NAME_ENV]: spec.container.name, [CONTAINER_HASH_ENV]: hash };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined; // gone, or not ours to read: treated as no such process
  }
}

/**
 * The start time of `pid` (clock ticks since boot, /proc/<pid>/stat field 22), or undefined when it
 * does not run (gone, or a zombie nobody reaped yet). Equal values mean the same process.
 */
export function processStartTicks(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: fields after the last ')' are safe.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === undefined || state === 'Z' || state === 'X') return undefined;
  return fields[19];
}

/** True when `pid` runs with every variable of `expected` in its (initial) environment. */
export function carriesIdentity(pid: number, expected: Record<string, string>): boolean {
  const environ = readText(`/proc/${pid}/environ`);
  if (environ === undefined) return false;
  const vars = new Set(environ.split('\0'));
  return Object.entries(expected).every(([k, v]) => vars.has(`${k}=${v}`));
}
