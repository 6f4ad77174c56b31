// Public surface of the sidecar's identity: the CA-backed CertificateSource and its schedule.
export type { CaClientOptions } from './ca-client-certificate-source.js';
export { CaClientCertificateSource } from './ca-client-certificate-source.js';
export type { CaClientErrorCode } from './ca-client-error.js';
export { CaClientError } from './ca-client-error.js';
export type { CertificateRequestOptions } from './request-certificate.js';
export { requestCertificate } from './request-certificate.js';
export {
  renewalDelayMs,
  retryDelayMs,
  RENEW_AT_FRACTION,
  RENEW_JITTER_FRACTION,
  BACKOFF_INITIAL_MS,
  BACKOFF_MAX_MS,
} from './renewal-schedule.js';
