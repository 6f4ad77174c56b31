// A proxy's report of its own certificate (discovery's CertificateStatus), checked and put in the
// registry's terms. The report is only shown (proxy-status), never trusted for anything.

import type { CertificateStatusMessage } from '../../wire/index.js';
import type { ProxyCertificate } from './proxy-status-registry.js';

/** Error texts from a proxy are shown, not trusted: bounded in length. */
const MAX_RENEWAL_ERROR_CHARS = 300;

/** A proxy's certificate report in the registry's terms, or undefined when it does not read. */
export function proxyCertificate(message: CertificateStatusMessage): ProxyCertificate | undefined {
  const notAfter = rfc3339(message.not_after);
  if (notAfter === undefined || !/^[0-9a-fA-F]{1,64}$/.test(message.serial_number)) return undefined;
  const certificate: ProxyCertificate = { serialNumber: message.serial_number.toLowerCase(), notAfter };
  if (message.renewal_error === '') return certificate;
  const since = rfc3339(message.renewal_failing_since);
  return {
    ...certificate,
    renewalError: message.renewal_error.slice(0, MAX_RENEWAL_ERROR_CHARS),
    ...(since === undefined ? {} : { renewalFailingSince: since }),
    renewalFailures: message.renewal_failures,
  };
}

function rfc3339(text: string): string | undefined {
  const ms = Date.parse(text);
  return text.length <= 40 && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
