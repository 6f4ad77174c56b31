// Helpers shared by the runtime tests: a random address block (so parallel runs do not collide),
// curl as a child process, and bounded polling.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '../support/wait-for.js';

/** A second octet for pod IPs no other test file is likely to use at the same time. */
export function randomAddressBlock(): number {
  return 20 + 2 * Math.floor(Math.random() * 108);
}

export interface CurlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function curl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-s', '--max-time', '10', ...args],
      { encoding: 'utf8', env: { PATH: process.env['PATH'], ...env } },
      (err, stdout, stderr) => {
        const code =
          err === null
            ? 0
            : typeof (err as { code?: unknown }).code === 'number'
              ? (err as { code: number }).code
              : -1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

export { waitFor };

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes whose environment has POD_IP starting with `prefix` (pod processes). */
export function podProcesses(prefix: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (environ.split('\0').some((v) => v.startsWith(`POD_IP=${prefix}`))) found.push(Number(entry));
  }
  return found;
}

/** True while `pid` runs: unlike alive(), a zombie nobody has reaped yet counts as gone. */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // no such process
  }
}
