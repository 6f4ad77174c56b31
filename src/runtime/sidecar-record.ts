// Where a pod's sidecar answers its admin port, written beside the pod's logs when the sidecar
// starts. Lets the CLI ask the sidecars themselves when the control plane cannot be asked
// (`automesh proxy-status` with the control plane down).

import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIDECAR_RECORD_FILE = 'istio-proxy.json';

export interface SidecarRecord {
  pod: string;
  namespace: string;
  /** host:port of the sidecar's admin endpoint. */
  adminAddress: string;
}

export function writeSidecarRecord(podDir: string, record: SidecarRecord): void {
  writeFileSync(join(podDir, SIDECAR_RECORD_FILE), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Every sidecar recorded under `<stateDir>/pods`, by namespace then pod; unreadable records are skipped. */
export function readSidecarRecords(stateDir: string): SidecarRecord[] {
  const root = join(stateDir, 'pods');
  if (!existsSync(root)) return [];
  const records: SidecarRecord[] = [];
  for (const namespace of readdirSync(root).sort()) {
    for (const pod of readdirSync(join(root, namespace)).sort()) {
      const record = readRecord(join(root, namespace, pod, SIDECAR_RECORD_FILE));
      if (record !== undefined) records.push(record);
    }
  }
  return records;
}

function readRecord(path: string): SidecarRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // no sidecar in this pod, or a record cut short: nothing to ask
  }
  const r = parsed as Partial<SidecarRecord> | null;
  return typeof r?.pod === 'string' && typeof r.namespace === 'string' && typeof r.adminAddress === 'string'
    ? { pod: r.pod, namespace: r.namespace, adminAddress: r.adminAddress }
    : undefined;
}
