// Where a pod's sidecar answers its admin port, written beside the pod's logs when the sidecar
// starts. Lets the CLI ask the sidecars themselves when the control plane cannot be asked
// (`automesh proxy-status` with the control plane down).

import { readFileSync, writeFileSync } from 'node:fs';
import { listPodDirectories } from './pod-directory.js';
import type { PodDirectory } from './pod-directory.js';

export interface SidecarRecord {
  pod: string;
  namespace: string;
  /** host:port of the sidecar's admin endpoint. */
  adminAddress: string;
}

export function writeSidecarRecord(dir: PodDirectory, record: SidecarRecord): void {
  writeFileSync(dir.sidecarRecordFile, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Every sidecar recorded under the state directory, by namespace then pod; unreadable records are skipped. */
export function readSidecarRecords(stateDir: string): SidecarRecord[] {
  return listPodDirectories(stateDir).flatMap((dir) => readRecord(dir.sidecarRecordFile) ?? []);
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
