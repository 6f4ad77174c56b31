// The sidecar's CertificateSource backed by the mesh CA: first certificate with the pod token,
// renewals over mTLS with the current SVID at half-life ± jitter, back-off on failure while the
// current certificate stays in force. Listeners get each new certificate for new connections.
// Given several CA replicas, each request goes to the one that answered last and, when that one
// cannot be reached, to the next ones in turn.

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
import { splitAddresses } from '../control-plane-addresses.js';

/** The replica did not answer (refused, gone, deadline): another may. A refusal is not retried elsewhere. */
function unreachable(err: unknown): boolean {
  const code = err instanceof CaClientError ? err.grpcCode : undefined;
  return code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED;
}

export interface CaClientOptions {
  /** `host:port` of the CA server; several (a list, or comma-separated) for replicas. */
  caAddress: string | readonly string[];
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
  private opts!: Required<
    Omit<CaClientOptions, 'caAddress' | 'caRootPem' | 'logger' | 'clock' | 'random'>
  > & {
    caRootsPem: string[];
  };
  private addresses: string[] = [];
  /** The replica asked first: the one that answered last. */
  private preferred = 0;
  private lastIssuer: string | undefined;
  private clock: Clock = systemClock;
  private random: () => number = Math.random;
  private log: Logger = createLogger({ component: 'ca-client' });

  /** Resolves with the first certificate; rejects if none could be had within `startTimeoutMs`. */
  async start(options: CaClientOptions): Promise<WorkloadCertificate> {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? this.log;
    const trustDomain = options.trustDomain ?? 'cluster.local';
    this.addresses = splitAddresses(options.caAddress);
    if (this.addresses.length === 0)
      throw new CaClientError('AUTOMESH_ERR_CA_CLIENT_START', 'no CA address given');
    this.opts = {
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
            `no certificate from ${this.addresses.join(',')}: ${(err as Error).message}`,
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

  /** The CA replica that issued the certificate in force (for the admin port). */
  issuer(): string | undefined {
    return this.lastIssuer;
  }

  /**
   * Renews soon (within `jitterMs`, spread so that sidecars moving together do not all ask at
   * once) at replica `index` first: the sidecar's discovery stream moved there.
   */
  renewAt(index: number, jitterMs = 1_000): void {
    if (this.closed || this.cert === undefined) return;
    this.preferred = index % this.addresses.length;
    this.schedule(Math.round(this.random() * jitterMs));
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

  /** One request, at each replica in turn from the preferred one while they cannot be reached. */
  private async fetch(): Promise<WorkloadCertificate> {
    for (let i = 0; ; i++) {
      const index = (this.preferred + i) % this.addresses.length;
      const caAddress = this.addresses[index] as string;
      try {
        const cert = await this.fetchFrom(caAddress);
        this.preferred = index;
        this.lastIssuer = caAddress;
        return cert;
      } catch (err) {
        if (i + 1 >= this.addresses.length || !unreachable(err)) throw err;
        this.log.warn('CA replica unreachable; asking the next one', {
          caAddress,
          next: this.addresses[(index + 1) % this.addresses.length],
          error: (err as Error).message,
        });
      }
    }
  }

  private async fetchFrom(caAddress: string): Promise<WorkloadCertificate> {
    const nowMs = this.clock.now();
    const current = this.cert;
    const request = { ...this.opts, caAddress, nowMs, timeoutMs: this.opts.requestTimeoutMs };
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
