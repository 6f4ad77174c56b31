// How this CLI starts itself again (for `up -d`, sidecars and the demo): the compiled entry
// point when running from dist/, or the TypeScript source through tsx while developing.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const here = fileURLToPath(import.meta.url);
const compiled = here.includes('/dist/');

/** The repository (or installed package) root: where `samples/` lives. */
export const PACKAGE_ROOT = resolve(here, compiled ? '../../../..' : '../../..');

/** argv after the node binary that runs this CLI. */
export function cliArgv(): string[] {
  return compiled
    ? [resolve(PACKAGE_ROOT, 'dist/src/cli/main.js')]
    : ['--import', 'tsx', resolve(PACKAGE_ROOT, 'src/cli/main.ts')];
}
