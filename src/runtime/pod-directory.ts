// The one place that knows how a pod's files lie under the runtime's state directory:
//   <stateDir>/pods/<namespace>/<pod>/
//     token                the pod credential the sidecar presents to the CA (0600)
//     <container>.log      what the container printed (`automesh logs`)
//     <container>.pid      the running process, for the next runtime to adopt or stop
//     istio-proxy.json     where the sidecar's admin port answers (proxy-status without a control plane)
// The runtime writes these, the CLI reads them; both ask here rather than spell the paths.
// This file imports nothing heavy: light commands (`logs`) load it directly.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const PODS = 'pods';
const PID_SUFFIX = '.pid';
export const SIDECAR_RECORD_FILE = 'istio-proxy.json';

export class PodDirectory {
  readonly path: string;

  constructor(
    stateDir: string,
    readonly namespace: string,
    readonly pod: string,
  ) {
    this.path = join(stateDir, PODS, namespace, pod);
  }

  get tokenFile(): string {
    return join(this.path, 'token');
  }

  get sidecarRecordFile(): string {
    return join(this.path, SIDECAR_RECORD_FILE);
  }

  logFile(container: string): string {
    return join(this.path, `${container}.log`);
  }

  pidFile(container: string): string {
    return join(this.path, `${container}${PID_SUFFIX}`);
  }

  /** The containers that have a pid file here, with the file's path. */
  pidFiles(): { container: string; file: string }[] {
    if (!existsSync(this.path)) return [];
    return readdirSync(this.path)
      .filter((f) => f.endsWith(PID_SUFFIX))
      .map((f) => ({ container: f.slice(0, -PID_SUFFIX.length), file: join(this.path, f) }));
  }
}

export function podDirectory(stateDir: string, namespace: string, pod: string): PodDirectory {
  return new PodDirectory(stateDir, namespace, pod);
}

/** Every pod directory present under the state directory, by namespace then pod name. */
export function listPodDirectories(stateDir: string): PodDirectory[] {
  const root = join(stateDir, PODS);
  if (!existsSync(root)) return [];
  const found: PodDirectory[] = [];
  for (const namespace of readdirSync(root).sort()) {
    for (const pod of readdirSync(join(root, namespace)).sort()) {
      found.push(new PodDirectory(stateDir, namespace, pod));
    }
  }
  return found;
}
