// The sidecar's CertificateSource backed by the mesh CA: first certificate with the pod token,
// renewals over mTLS with the current SVID at half-life ± jitter, back-off on failure while the
// current certificate stays in force. Listeners get each new certificate for new connections.

import { GrpcStatus } from '../../wire/index.js';
import { readFile } from 'node:fs/promises';
import type { Clock } from '../../identity/workload-credentials.js';
import { controlPlaneSpiffeId, systemClock } from '../../identity/workload-credentials.js';
import type { Logger } from '../../log/index.js';
import { createLogger } from '../../log/index.js';
import type { CertificateSource, RenewalTrouble, Unsubscribe, WorkloadCertificate } from '../sources.js';
import { CaClientError } from './ca-client-error.js';
import { renewalDelayMs, retryDelayMs } from './renewal-schedule.js';
import { requestCertificate } from './request-certificate.js';

export interface CaClientOptions {
  /** `host:port` of the CA server. */
  caAddress: string;
  /** Root(s) that sign the CA server's certificate (the mesh root). */
  caRootPem: string | string[];
  /** File holding the pod token; re-read before every token-authenticated call. */
  tokenPath: string;
  /** Requested lifetime; 0 lets the CA choose its default. */
  ttlSeconds?: number;
  trustDomain?: string;
  /** Default: the control plane's SPIFFE ID in the trust domain. */
  caServerSpiffeId?: string;
  /** How long `start()` keeps retrying the first certificate before rejecting. */
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class CaClientCertificateSource implements CertificateSource {
  private cert: WorkloadCertificate | undefined;
  private readonly listeners = new Set<(cert: WorkloadCertificate) => void>();
  private readonly failureListeners = new Set<(trouble: RenewalTrouble) => void>();
  private trouble: RenewalTrouble | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failures = 0;
  private opts!: Required<Omit<CaClientOptions, 'caRootPem' | 'logger' | 'clock' | 'random'>> & {
    caRootsPem: string[];
  };
  private clock: Clock = systemClock;
  private random: () => number = Math.random;
  private log: Logger = createLogger({ component: 'ca-client' });

  /** Resolves with the first certificate; rejects if none could be had within `startTimeoutMs`. */
  async start(options: CaClientOptions): Promise<WorkloadCertificate> {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? this.log;
    const trustDomain = options.trustDomain ?? 'cluster.local';
    this.opts = {
      caAddress: options.caAddress,
      caRootsPem: Array.isArray(options.caRootPem) ? options.caRootPem : [options.caRootPem],
      tokenPath: options.tokenPath,
      ttlSeconds: options.ttlSeconds ?? 0,
      trustDomain,
      caServerSpiffeId: options.caServerSpiffeId ?? controlPlaneSpiffeId(trustDomain),
      startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      backoffInitialMs: options.backoffInitialMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
    };
    const deadline = Date.now() + this.opts.startTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.closed)
        throw new CaClientError('AUTOMESH_ERR_CA_CLIENT_CLOSED', 'closed before the first certificate');
      try {
        const cert = await this.fetch();
        this.install(cert);
        return cert;
      } catch (err) {
        const wait = retryDelayMs(
          attempt,
          this.random(),
          0,
          undefined,
          this.opts.backoffInitialMs,
          this.opts.backoffMaxMs,
        );
        if (Date.now() + wait > deadline) {
          throw new CaClientError(
            'AUTOMESH_ERR_CA_CLIENT_START',
            `no certificate from ${this.opts.caAddress}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        this.log.warn('first certificate request failed; retrying', {
          attempt,
          retryInMs: wait,
          error: (err as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  current(): WorkloadCertificate | undefined {
    return this.cert;
  }

  onUpdate(listener: (cert: WorkloadCertificate) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  renewalTrouble(): RenewalTrouble | undefined {
    return this.trouble === undefined ? undefined : { ...this.trouble };
  }

  onRenewalFailure(listener: (trouble: RenewalTrouble) => void): Unsubscribe {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    this.failureListeners.clear();
    return Promise.resolve();
  }

  private async fetch(): Promise<WorkloadCertificate> {
    const nowMs = this.clock.now();
    const current = this.cert;
    const request = { ...this.opts, nowMs, timeoutMs: this.opts.requestTimeoutMs };
    if (current === undefined || current.notAfter.getTime() <= nowMs)
      return requestCertificate({ ...request, credential: { kind: 'token', token: await this.readToken() } });
    try {
      return await requestCertificate({ ...request, credential: { kind: 'certificate', cert: current } });
    } catch (err) {
      // The CA refuses a renewal whose certificate no longer proves a live pod (one issued before
      // certificates named their pod, say); the pod token proves it afresh. A pod that is gone has
      // no valid token either, so this opens nothing.
      if (!(err instanceof CaClientError) || err.grpcCode !== GrpcStatus.PERMISSION_DENIED) throw err;
      this.log.warn('renewal with the current certificate refused; asking with the pod token', {
        error: err.message,
      });
      return requestCertificate({ ...request, credential: { kind: 'token', token: await this.readToken() } });
    }
  }

  private async readToken(): Promise<string> {
    try {
      return (await readFile(this.opts.tokenPath, 'utf8')).trim();
    } catch (err) {
      throw new CaClientError(
        'AUTOMESH_ERR_CA_CLIENT_TOKEN',
        `cannot read pod token at ${this.opts.tokenPath}`,
        { cause: err },
      );
    }
  }

  private install(cert: WorkloadCertificate): void {
    this.cert = cert;
    this.failures = 0;
    this.trouble = undefined;
    this.log.info('certificate installed', {
      spiffeId: cert.spiffeId,
      serial: cert.serialNumber,
      notAfter: cert.notAfter.toISOString(),
    });
    for (const listener of this.listeners) {
      try {
        listener(cert);
      } catch (err) {
        this.log.error('certificate listener failed', { error: (err as Error).message });
      }
    }
    this.schedule(renewalDelayMs(this.clock.now(), cert.notAfter.getTime(), this.random()));
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), delayMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    try {
      const cert = await this.fetch();
      if (!this.closed) this.install(cert);
    } catch (err) {
      this.failures++;
      const notAfter = this.cert?.notAfter.getTime();
      const wait = retryDelayMs(
        this.failures,
        this.random(),
        this.clock.now(),
        notAfter,
        this.opts.backoffInitialMs,
        this.opts.backoffMaxMs,
      );
      const expired = notAfter === undefined || notAfter <= this.clock.now();
      this.log[expired ? 'error' : 'warn']('certificate renewal failed; retrying', {
        attempt: this.failures,
        retryInMs: wait,
        currentExpired: expired,
        error: (err as Error).message,
      });
      this.schedule(wait);
      this.reportFailure((err as Error).message);
    }
  }

  private reportFailure(error: string): void {
    this.trouble = {
      since: this.trouble?.since ?? new Date(this.clock.now()),
      failures: this.failures,
      error,
    };
    for (const listener of this.failureListeners) {
      try {
        listener({ ...this.trouble });
      } catch (err) {
        this.log.error('renewal failure listener failed', { error: (err as Error).message });
      }
    }
  }
}
