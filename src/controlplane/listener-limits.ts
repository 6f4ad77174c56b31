// How long a control-plane listener waits for a peer, and how many peers it holds at once. The
// CA, discovery and API listeners share one process: without these, idle connections that never
// authenticate (a TLS client without a certificate that sends the HTTP/2 preface and waits) are
// kept forever and spend the file descriptors every other listener needs.

export interface ListenerLimits {
  /** A TLS handshake (for the API server: a request's headers) must finish within this. */
  handshakeTimeoutMs: number;
  /**
   * A connection with nothing in flight is closed after this. gRPC counts open streams as in
   * flight, so discovery streams (long-lived, kept alive by pings) are never idle; HTTP counts the
   * time between requests on a keep-alive connection, so a watch in progress is never idle.
   */
  idleTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  maxConnections: number;
}

/** CA: one short call per sidecar per renewal (half the SVID lifetime). */
export const CA_LISTENER_LIMITS: ListenerLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  maxConnections: 1_024,
});

/** Discovery: one connection per sidecar for as long as it runs. */
export const DISCOVERY_LISTENER_LIMITS: ListenerLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 5 * 60_000,
  maxConnections: 4_096,
});

/** API server: the CLI's requests and the runtime's watches. */
export const API_LISTENER_LIMITS: ListenerLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxConnections: 512,
});

/** `base` with the given overrides (tests shorten them); every value must be positive. */
export function listenerLimits(
  base: ListenerLimits,
  overrides: Partial<ListenerLimits> = {},
): ListenerLimits {
  const limits = { ...base, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0)
      throw new RangeError(`listener limit ${name} must be a positive integer`);
  }
  return Object.freeze(limits);
}
