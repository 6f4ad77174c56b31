// Command lines of the programs built into automesh (the httpbin image).

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How to run the built-in httpbin: compiled JS directly, TypeScript source through tsx. */
export function httpbinArgv(host: string, port: number): string[] {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const main = join(here, '..', 'images', fromSource ? 'httpbin-main.ts' : 'httpbin-main.js');
  const loader = fromSource
    ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
    : [];
  return [...loader, main, '--host', host, '--port', String(port)];
}
