// What the seed walkthrough's output must show, whoever ran the page's kubectl commands
// (automesh, or the real kubectl with `automesh demo --kubectl`): the decisive lines of each phase,
// then that nothing of the demo's mesh is left running.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

/** Processes whose command line or environment mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${entry}/${file}`, 'latin1').includes(needle)) found.push(Number(entry));
      } catch {
        // the process ended while we looked, or is not ours to read: neither is a leftover of the demo
        break;
      }
    }
  }
  return [...new Set(found)];
}

/** The block of output between `$ <command starting with prefix>` and the check line after it. */
function sectionAfter(output: string, marker: string, occurrence: number): string {
  let index = -1;
  for (let i = 0; i < occurrence; i++) index = output.indexOf(marker, index + 1);
  assert.notEqual(index, -1, `output has ${occurrence} × ${marker}`);
  const end = output.indexOf('\n✔', index);
  return output.slice(index, end === -1 ? undefined : end);
}

const LOOP_MARKER = '$ for from in "full" "legacy"';

/** Asserts the demo's stdout shows every phase as the page does and its mesh is gone. */
export function assertWalkthroughAsThePageShows(output: string): void {
  assert.match(output, /All 26 steps behaved as the page shows\./);

  const permissive = sectionAfter(output, LOOP_MARKER, 1);
  assert.match(
    permissive,
    /sleep\.full to httpbin\.full\nURI=spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep\nresponse code: 200\n/,
  );
  assert.match(permissive, /sleep\.full to httpbin\.legacy\nresponse code: 200\n/);
  assert.match(permissive, /sleep\.legacy to httpbin\.full\nresponse code: 200\n/);

  const strict = sectionAfter(output, LOOP_MARKER, 2);
  assert.match(
    strict,
    /sleep\.full to httpbin\.full\nURI=spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep\nresponse code: 200\n/,
  );
  assert.match(
    strict,
    // Two processes write these lines (egrep and exec), so either order is the same result.
    /sleep\.legacy to httpbin\.full\n(response code: 000\ncommand terminated with exit code 56|command terminated with exit code 56\nresponse code: 000)\n/,
  );
  assert.match(strict, /sleep\.legacy to httpbin\.partial\nresponse code: 200\n/);

  const plaintext = sectionAfter(output, LOOP_MARKER, 3);
  assert.match(plaintext, /sleep\.full to httpbin\.full\nresponse code: 200\n/);
  assert.match(plaintext, /sleep\.legacy to httpbin\.full\nresponse code: 200\n/);

  const override = sectionAfter(output, LOOP_MARKER, 4);
  assert.match(override, /sleep\.full to httpbin\.full\nresponse code: 503\n/);
  assert.match(override, /sleep\.full to httpbin\.legacy\nresponse code: 200\n/);

  const migration = sectionAfter(output, '$ for i in `seq 1 10`', 1);
  const responses = migration.match(/response code: 200/g) ?? [];
  const overMtls = migration.match(/URI=spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep/g) ?? [];
  assert.equal(responses.length, 10);
  assert.ok(
    overMtls.length > 0 && overMtls.length < 10,
    `both kinds of endpoint answered (${overMtls.length}/10 over mTLS)`,
  );

  const home = /Starting a local mesh in (\S+) /.exec(output)?.[1];
  assert.ok(home, 'the demo names its state directory');
  assert.deepEqual(processesMentioning(home), [], 'no process of the demo mesh is left running');
}
