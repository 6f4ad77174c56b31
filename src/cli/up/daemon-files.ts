// Where a background `automesh up -d` leaves its pid and log, and how to tell if it still runs.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'automesh.pid';
export const LOG_FILE = 'automesh.log';

export function pidFile(stateDir: string): string {
  return join(stateDir, PID_FILE);
}

export function logFile(stateDir: string): string {
  return join(stateDir, LOG_FILE);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the mesh running on this state directory, or undefined (a stale pid file is removed). */
export function runningPid(stateDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const pid = Number(text.trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  rmSync(pidFile(stateDir), { force: true });
  return undefined;
}

export { isAlive };
