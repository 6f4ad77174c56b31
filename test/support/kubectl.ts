// The real kubectl (the machine image's 1.32, /usr/bin/kubectl) against a real `automesh up -d` on
// a fresh state directory: what Kubernetes compatibility is tested with. kubectl's discovery cache
// and config live in a HOME of the test's own, so runs never see each other's cache.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminConfigPath } from '../../src/controlplane/index.js';
import { runCli, type CliResult } from './cli.js';

export const KUBECTL = process.env.AUTOMESH_TEST_KUBECTL ?? '/usr/bin/kubectl';

/** Fails loudly (never skips) when the real kubectl is missing: the tests exist to run it. */
export function requireKubectl(): string {
  const probe = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `the real kubectl is required at ${KUBECTL} (set AUTOMESH_TEST_KUBECTL): ${probe.error?.message ?? probe.stderr}`,
    );
  }
  return probe.stdout;
}

export interface KubectlMesh {
  /** The state directory (AUTOMESH_HOME). */
  home: string;
  kubeconfig: string;
  /** Runs kubectl with the admin kubeconfig (override with `env.KUBECONFIG`). */
  kubectl(
    args: string[],
    options?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<CliResult>;
  /** Starts kubectl and leaves it running (`get -w`); `stop` kills it and gives what it printed. */
  start(args: string[]): RunningKubectl;
  /** Runs the automesh CLI on the same state directory. */
  automesh(args: string[], options?: { input?: string }): Promise<CliResult>;
  stop(): Promise<void>;
}

export interface RunningKubectl {
  /** What it printed so far. */
  stdout(): string;
  /** Kills it (if still running) and resolves with everything it printed. */
  stop(): Promise<CliResult>;
}

function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): RunningKubectl {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  // Never outlives the test process's patience: killed after a minute whatever happens.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return {
    stdout: () => stdout,
    stop: async () => {
      child.kill('SIGKILL');
      const code = await closed;
      clearTimeout(timer);
      return { code, stdout, stderr };
    },
  };
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input: string | undefined,
  timeoutMs: number,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** `automesh up -d` on a new state directory, pods in 127.<addressBlock>.x.y. */
export async function startKubectlMesh(addressBlock: number): Promise<KubectlMesh> {
  requireKubectl();
  const root = mkdtempSync(join(tmpdir(), 'automesh-kubectl-'));
  const home = join(root, 'state');
  const kubeHome = join(root, 'kube-home');
  const env = { AUTOMESH_HOME: home, AUTOMESH_ADDRESS_BLOCK: String(addressBlock) };
  const automesh = (args: string[], options: { input?: string } = {}): Promise<CliResult> =>
    runCli(args, { env, ...(options.input === undefined ? {} : { input: options.input }) });
  const stop = async (): Promise<void> => {
    try {
      await automesh(['down']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  const up = await automesh(['up', '-d']);
  if (up.code !== 0) {
    await stop();
    throw new Error(`automesh up -d failed: ${up.stdout}${up.stderr}`);
  }
  const kubeconfig = adminConfigPath(home);
  const kubeEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: kubeHome, KUBECONFIG: kubeconfig };
  return {
    home,
    kubeconfig,
    kubectl: (args, options = {}) =>
      run(KUBECTL, args, { ...kubeEnv, ...options.env }, options.input, options.timeoutMs ?? 30_000),
    start: (args) => startProcess(KUBECTL, args, kubeEnv),
    automesh,
    stop,
  };
}
