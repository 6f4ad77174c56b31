// Which open or arriving connections a port's mode admits: the one decision the inbound listener
// asks both when a connection is admitted and when a new snapshot changes the port's mode.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerMode } from '../../src/api/index.js';
import { modeAdmits, PLAINTEXT, TLS_PASSTHROUGH } from '../../src/proxy/inbound/admission.js';
import type { Admission } from '../../src/proxy/inbound/admission.js';

const MTLS: Admission = { kind: 'mtls', peer: 'spiffe://cluster.local/ns/default/sa/sleep' };

const table: Array<[ServerMode, Admission, boolean]> = [
  ['STRICT', PLAINTEXT, false],
  ['STRICT', TLS_PASSTHROUGH, false],
  ['STRICT', MTLS, true],
  ['PERMISSIVE', PLAINTEXT, true],
  ['PERMISSIVE', TLS_PASSTHROUGH, true],
  ['PERMISSIVE', MTLS, true],
  ['DISABLE', PLAINTEXT, true],
  ['DISABLE', TLS_PASSTHROUGH, true],
  // Authenticated already: DISABLE only stops the sidecar terminating TLS on new connections.
  ['DISABLE', MTLS, true],
];

describe('modeAdmits', () => {
  for (const [mode, admission, admitted] of table) {
    it(`${mode} ${admitted ? 'admits' : 'refuses'} a ${admission.kind} connection`, () => {
      assert.equal(modeAdmits(mode, admission), admitted);
    });
  }
});
