// The ports a control plane listened on in its previous run on this state directory, read back
// from `controlplane.json`. Sidecars keep the CA and discovery addresses they were started with,
// so a control plane restarted after a crash must come back on the same ports or sidecars that
// outlived it can never reconnect.
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log/index.js';

export interface PreviousPorts {
  api?: number;
  ca?: number;
  discovery?: number;
}

function portOf(address: unknown): number | undefined {
  if (typeof address !== 'string') return undefined;
  const port = Number(/:(\d+)\/?$/.exec(address)?.[1]);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** The ports in `file` (controlplane.json); none when there was no earlier run. */
export async function previousPorts(file: string, logger: Logger): Promise<PreviousPorts> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      logger.warn('cannot read the previous control plane addresses; using new ports', { err });
    }
    return {};
  }
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const found: PreviousPorts = {};
    const api = portOf(json['apiServer']);
    const ca = portOf(json['caAddress']);
    const discovery = portOf(json['discoveryAddress']);
    if (api !== undefined) found.api = api;
    if (ca !== undefined) found.ca = ca;
    if (discovery !== undefined) found.discovery = discovery;
    return found;
  } catch (err) {
    logger.warn('previous control plane addresses unreadable; using new ports', { err });
    return {};
  }
}

/** Starts a server on `preferred`, or on a free port when that one is taken (or none is preferred). */
export async function onPreferredPort<T>(
  preferred: number | undefined,
  start: (port: number) => Promise<T>,
  logger: Logger,
): Promise<T> {
  if (preferred === undefined) return start(0);
  try {
    return await start(preferred);
  } catch (err) {
    logger.warn('previous port not available; listening on a new one (running sidecars will not find it)', {
      port: preferred,
      err,
    });
    return start(0);
  }
}
