// The sidecars' own word on their certificates, read from each one's admin `/certs` (the
// addresses the runtime recorded beside the pods' logs). What proxy-status shows when the control
// plane, which normally relays it, cannot be asked.

import type { ProxyCertificate } from '../../controlplane/index.js';
import { fetchFailure } from '../fetch-failure.js';

const ADMIN_TIMEOUT_MS = 2000;

export interface SidecarCertificate {
  pod: string;
  namespace: string;
  adminAddress: string;
  /** Absent when the sidecar did not answer; `error` says why. */
  certificate?: ProxyCertificate;
  error?: string;
}

/** What the admin port's `/certs` carries, of it the parts proxy-status shows. */
interface CertsView {
  serialNumber?: unknown;
  notAfter?: unknown;
  renewal?: { failingSince?: unknown; failures?: unknown; lastError?: unknown };
}

export async function askSidecarsForCertificates(stateDir: string): Promise<SidecarCertificate[]> {
  const { readSidecarRecords } = await import('../../runtime/index.js');
  return Promise.all(
    readSidecarRecords(stateDir).map(async (record): Promise<SidecarCertificate> => {
      try {
        const response = await fetch(`http://${record.adminAddress}/certs`, {
          signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
        });
        if (!response.ok) return { ...record, error: `admin port answered ${response.status}` };
        const certificate = certificateOf((await response.json()) as CertsView);
        return certificate === undefined
          ? { ...record, error: 'unreadable /certs answer' }
          : { ...record, certificate };
      } catch (err) {
        return { ...record, error: `not answering: ${fetchFailure(err)}` };
      }
    }),
  );
}

function certificateOf(view: CertsView): ProxyCertificate | undefined {
  if (typeof view.serialNumber !== 'string' || typeof view.notAfter !== 'string') return undefined;
  const certificate: ProxyCertificate = { serialNumber: view.serialNumber, notAfter: view.notAfter };
  const renewal = view.renewal;
  if (renewal === undefined || typeof renewal.lastError !== 'string') return certificate;
  return {
    ...certificate,
    renewalError: renewal.lastError,
    ...(typeof renewal.failingSince === 'string' ? { renewalFailingSince: renewal.failingSince } : {}),
    ...(typeof renewal.failures === 'number' ? { renewalFailures: renewal.failures } : {}),
  };
}
