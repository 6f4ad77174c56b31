// Runs every compiled test file with node's test runner. Node 20's --test does not expand globs,
// so the files are listed here. Pass paths or name fragments to run a subset:
//   node scripts/run-tests.mjs policy proxy/inbound
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function* walk(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return; // a folder that was not built (no tests there yet)
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.test.js')) yield path;
  }
}

const filters = process.argv.slice(2);
const files = ['dist/test', 'dist/src', 'dist/e2e']
  .flatMap((root) => [...walk(root)])
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found (did `npm run build` run?)');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-timeout=240000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
