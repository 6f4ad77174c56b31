// `automesh control-plane` as a real child process for tests: started on its own AUTOMESH_HOME,
// ready once it prints where it serves; stop() (SIGTERM) or kill() (SIGKILL, a crash) and it is
// gone; an exit hook kills whatever is left should the test process end first.
import { spawn, type ChildProcess } from 'node:child_process';
import { cliCommand, REPO_ROOT } from './cli.js';

export interface ReplicaProcess {
  child: ChildProcess;
  apiServer: string;
  caAddress: string;
  discoveryAddress: string;
  output(): string;
  /** SIGTERM and wait; answers the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const READY = /replica is serving: API server (\S+), CA (\S+), discovery (\S+);/;

export async function startReplicaProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<ReplicaProcess> {
  const child = spawn(process.execPath, [...cliCommand(), 'control-plane', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`control-plane not ready within ${timeoutMs} ms:\n${out.slice(-3000)}`));
    }, timeoutMs);
    const check = (): void => {
      const m = READY.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`control-plane exited (${code}) before it was ready:\n${out.slice(-3000)}`));
    });
  });
  return {
    child,
    apiServer: match[1] as string,
    caAddress: (match[2] as string).replace(/,$/, ''),
    discoveryAddress: match[3] as string,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited(child);
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
