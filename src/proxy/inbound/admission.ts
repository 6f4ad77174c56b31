// How an inbound connection was let in, and whether a port's mode lets such a connection carry
// traffic. One decision for both moments it is asked: when a connection is admitted, and when a
// new snapshot changes the mode of a port whose connections are already open.

import type { ServerMode } from '../../api/index.js';

/**
 * How the sidecar let a downstream connection in:
 * - `plaintext`: no TLS at all;
 * - `tls-passthrough`: a TLS ClientHello without the mesh ALPN on a PERMISSIVE port, passed to the
 *   app as bytes (the sidecar never saw a client certificate);
 * - `mtls`: the sidecar terminated mutual TLS and verified `peer`, the client's SPIFFE ID.
 */
export type Admission =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'tls-passthrough' }
  | { readonly kind: 'mtls'; readonly peer: string };

export const PLAINTEXT: Admission = Object.freeze({ kind: 'plaintext' });
export const TLS_PASSTHROUGH: Admission = Object.freeze({ kind: 'tls-passthrough' });

/**
 * Whether a port in `mode` lets a connection admitted as `admission` carry traffic.
 *
 * STRICT admits mTLS only: anything the sidecar did not authenticate is refused, whether it is
 * arriving or already open. PERMISSIVE admits everything. DISABLE admits everything too: it tells
 * the sidecar not to terminate TLS on new connections (a ClientHello is read as plaintext), so an
 * mTLS connection can only reach it already open (or mid-handshake) when the mode changes; such a
 * connection is authenticated, carries more than DISABLE asks for, and closing it would only fail
 * clients whose sidecar has not yet learnt the port is DISABLE (their next handshake would be read
 * as a malformed plaintext request).
 */
export function modeAdmits(mode: ServerMode, admission: Admission): boolean {
  if (mode === 'STRICT') return admission.kind === 'mtls';
  return true;
}

/**
 * Why a port in `mode` would refuse a connection admitted as `admission`, or undefined when it
 * would let it in: what shadow enforcement counts (behaviour.md "Migration safety"). STRICT
 * refuses all that is not mTLS (modeAdmits); DISABLE reads a mesh handshake as a malformed
 * plaintext request, so new mTLS connections would fail there. Reasons as the listener's own.
 */
export function shadowRefusal(mode: ServerMode, admission: Admission): string | undefined {
  if (mode === 'STRICT' && admission.kind === 'plaintext') return 'plaintext_on_strict';
  if (mode === 'STRICT' && admission.kind === 'tls-passthrough') return 'tls_without_mesh_alpn_on_strict';
  if (mode === 'DISABLE' && admission.kind === 'mtls') return 'mtls_on_disable';
  return undefined;
}
