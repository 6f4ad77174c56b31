// A short property-based fuzz run over the sidecar's byte-level parsers (the long run is
// bench/fuzz/run.ts). The seed is random unless AUTOMESH_FUZZ_SEED is set, and printed on failure
// so the run can be replayed.
import { before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { FUZZ_TARGETS, fuzzFor, setFuzzCertificate } from '../../bench/fuzz/targets.js';
import { createTestCa, issueLeaf, spiffeId } from '../support/pki.js';

const BUDGET_MS = 600;
const seed = Number(process.env.AUTOMESH_FUZZ_SEED ?? randomInt(2 ** 31));

describe(`fuzz (seed ${seed}, ${BUDGET_MS} ms per target)`, () => {
  before(async () => {
    const cert = await issueLeaf(await createTestCa(), spiffeId('default', 'sleep'));
    setFuzzCertificate(cert.certChainPem[0]!);
  });

  for (const target of FUZZ_TARGETS) {
    it(`holds every invariant of ${target.name}`, (t: TestContext) => {
      const run = fuzzFor(target, seed, BUDGET_MS);
      t.diagnostic(
        `${run.iterations} iterations, ${Math.round((run.iterations / run.ms) * 1000)}/s, seed ${seed}`,
      );
      assert.ok(run.iterations > 100, `only ${run.iterations} iterations`);
    });
  }
});
