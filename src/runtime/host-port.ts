// Privileged ports (< 1024) need root. When not root, the runtime binds (and connects to) port +
// 15000 instead (80 → 15080), so the samples' `containerPort: 80` works unchanged. Users never
// see the mapped number: Services, Endpoints and pod specs keep the port as written.

/** Offset added to a privileged port when the process is not root. */
export const PRIVILEGED_PORT_OFFSET = 15000;

/** True when this process may bind ports below 1024 (root on Linux). */
export function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The port actually bound on the host for a container or sidecar port. The ONE place the
 * mapping lives: everything that binds or connects to a pod port goes through it.
 */
export function hostPort(port: number, isRoot: boolean = runningAsRoot()): number {
  return port < 1024 && !isRoot ? port + PRIVILEGED_PORT_OFFSET : port;
}
