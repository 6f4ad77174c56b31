// tsc compiles only .ts: copy the tests' other files (YAML fixtures) beside the compiled tests,
// so that tests find them relative to their own location in dist/ as in the source tree.
import { cpSync } from 'node:fs';

cpSync('test', 'dist/test', {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
