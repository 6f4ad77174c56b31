// argv (after the node binary) that runs a helper script of a test in a child process: the
// compiled .js beside the compiled test under dist/, or the .ts source through tsx.
import { fileURLToPath } from 'node:url';

/** `scriptUrl` is the .ts source's URL as seen from the test (`new URL('./x.ts', import.meta.url)`). */
export function childScriptArgv(scriptUrl: URL): string[] {
  const path = fileURLToPath(scriptUrl);
  if (path.includes('/dist/')) return [path.replace(/\.ts$/, '.js')];
  return ['--import', 'tsx', path];
}
