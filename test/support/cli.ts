// Runs the real automesh CLI as a child process: the compiled one when tests run from dist/
// (npm test), or the TypeScript source through tsx while developing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const here = fileURLToPath(import.meta.url);
const compiled = here.includes(`${'/'}dist${'/'}`);
export const REPO_ROOT = resolve(here, compiled ? '../../../..' : '../../..');

/** argv prefix that starts the CLI with `node`. */
export function cliCommand(): string[] {
  return compiled
    ? [resolve(REPO_ROOT, 'dist/src/cli/main.js')]
    : ['--import', 'tsx', resolve(REPO_ROOT, 'src/cli/main.ts')];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...cliCommand(), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // SIGTERM first so that the command can clean up (stop a mesh it started), SIGKILL if it hangs.
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
