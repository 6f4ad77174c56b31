// The long fuzz run: every target for --seconds each (default 60), from --seed (default random).
//   node --import tsx bench/fuzz/run.ts --seconds 60 [--seed N]
// Prints iterations per target; on a violation prints the seed, the iteration and the input, exits 1.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS, fuzzFor, setFuzzCertificate } from './targets.js';
import { createTestCa, issueLeaf, spiffeId } from '../../test/support/pki.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' } },
  });
  const seconds = Number(values.seconds);
  const seed = values.seed === undefined ? randomInt(2 ** 31) : Number(values.seed);
  if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(seed)) {
    process.stderr.write('error: --seconds takes a positive number, --seed an integer\n');
    return 2;
  }
  const cert = await issueLeaf(await createTestCa(), spiffeId('default', 'sleep'));
  setFuzzCertificate(cert.certChainPem[0]!);
  process.stdout.write(`fuzz: seed ${seed}, ${seconds} s per target\n`);
  for (const target of FUZZ_TARGETS) {
    try {
      const run = fuzzFor(target, seed, seconds * 1000);
      const rate = Math.round((run.iterations / run.ms) * 1000);
      process.stdout.write(`  ${target.name}: ${run.iterations} iterations, ${rate}/s, no violation\n`);
    } catch (err) {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.stderr.write(
        `replay: node --import tsx bench/fuzz/run.ts --seconds ${seconds} --seed ${seed}\n`,
      );
      return 1;
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${String(err)}\n`);
    process.exit(1);
  },
);
