// Runs the seed walkthrough against a throw-away local mesh: starts `automesh up -d` in a fresh
// state directory, runs each page command through bash exactly as written (with `automesh` on
// PATH), shows its output, checks it against the page, and ends with a summary table. With
// `kubectl`, the page's kubectl commands go to the real kubectl, pointed at the mesh's API server
// by the admin kubeconfig `up` writes; istioctl's stay automesh.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClient } from '../context.js';
import { ADMIN_CONFIG_FILE } from '../../controlplane/client/index.js';
import { checkStep } from './check.js';
import { freeAddressBlock } from './free-address-block.js';
import { SCENARIO, withRealKubectl, type Step } from './scenario.js';

export interface DemoOptions {
  /** Where `samples/` lives: the commands run from here. */
  repoRoot: string;
  /** argv that starts this CLI with node (node path excluded). */
  cliArgv: string[];
  keepState: boolean;
  /** Run the page's kubectl commands with this kubectl binary instead of automesh. */
  kubectl?: string;
  write: (text: string) => void;
}

interface StepResult {
  step: Step;
  problems: string[];
  seconds: number;
}

function runShell(
  command: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  onOutput: (text: string) => void,
): Promise<{ output: string; code: number }> {
  return new Promise((resolve, reject) => {
    // xpg_echo makes `echo -n "\n"` print a newline, as the page's shell did.
    const child = spawn('bash', ['-O', 'xpg_echo', '-c', `{ ${command}\n} 2>&1`], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      onOutput(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ output, code: code ?? 1 }));
  });
}

const shellQuote = (a: string): string => `'${a.replaceAll("'", "'\\''")}'`;

/** `automesh` (and, when asked, `kubectl`) on the commands' PATH, whatever the user's PATH has. */
async function makeShims(home: string, cliArgv: string[], kubectl: string | undefined): Promise<string> {
  const binDir = join(home, 'bin');
  await mkdir(binDir, { recursive: true });
  const quoted = [process.execPath, ...cliArgv].map(shellQuote).join(' ');
  await writeFile(join(binDir, 'automesh'), `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
  if (kubectl !== undefined) {
    await writeFile(join(binDir, 'kubectl'), `#!/bin/sh\nexec ${shellQuote(kubectl)} "$@"\n`, {
      mode: 0o755,
    });
  }
  return binDir;
}

const SETTLE_TIMEOUT_MS = 15_000;

/** Waits until every sidecar acked the config in force, and says how long that took. */
async function waitForSidecars(home: string, say: (text: string) => void): Promise<void> {
  const started = Date.now();
  const client = await loadClient(home);
  const result = await client.waitForSync?.(SETTLE_TIMEOUT_MS);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result === undefined || result.converged) {
    say(`# (every sidecar took the new config within ${seconds}s)\n`);
  } else {
    const pods = result.notSynced.map((p) => `${p.namespace}/${p.pod}`).join(', ');
    say(`# (after ${seconds}s these sidecars still had not taken the new config: ${pods})\n`);
  }
}

function summary(results: StepResult[]): string {
  const sections = [...new Set(results.map((r) => r.step.section))];
  const width = Math.max(...sections.map((s) => s.length), 'SECTION'.length);
  const lines = [`${'SECTION'.padEnd(width)}   STEPS   RESULT`];
  for (const section of sections) {
    const inSection = results.filter((r) => r.step.section === section);
    const failed = inSection.filter((r) => r.problems.length > 0).length;
    const verdict = failed === 0 ? 'as the page shows' : `${failed} step(s) differ`;
    lines.push(`${section.padEnd(width)}   ${String(inSection.length).padEnd(5)}   ${verdict}`);
  }
  return lines.join('\n');
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const home = await mkdtemp(join(tmpdir(), 'automesh-demo-'));
  const binDir = await makeShims(home, options.cliArgv, options.kubectl);
  const block = process.env['AUTOMESH_ADDRESS_BLOCK'] || String((await freeAddressBlock()) ?? '');
  const env = {
    ...process.env,
    AUTOMESH_HOME: home,
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    ...(block === '' ? {} : { AUTOMESH_ADDRESS_BLOCK: block }),
    // What `automesh up` writes: the API server's address, its CA and the admin token.
    ...(options.kubectl === undefined ? {} : { KUBECONFIG: join(home, ADMIN_CONFIG_FILE) }),
  };
  const commandOf = (step: Step): string =>
    options.kubectl === undefined ? step.command : withRealKubectl(step.command);
  const say = options.write;
  const results: StepResult[] = [];
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  // Ctrl-C or a SIGTERM ends the walkthrough early but still stops the mesh and removes its state.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    say(`Starting a local mesh in ${home} (pods on 127.${block || '10'}.x.y) ...\n`);
    if (options.kubectl !== undefined)
      say(`kubectl commands run ${options.kubectl} with KUBECONFIG=${env.KUBECONFIG}\n`);
    const up = await runShell('automesh up -d', env, options.repoRoot, say);
    if (up.code !== 0) {
      say(`error: could not start the mesh (exit ${up.code})\n`);
      return 1;
    }
    let section = '';
    for (const step of SCENARIO) {
      if (interrupted) break;
      if (step.section !== section) {
        section = step.section;
        say(`\n### ${section}\n`);
      }
      const command = commandOf(step);
      say(`\n$ ${command}\n`);
      if (step.note) say(`# (${step.note})\n`);
      const started = process.hrtime.bigint();
      const { output, code } = await runShell(command, env, options.repoRoot, say);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const problems = checkStep(step.check, output, code);
      results.push({ step, problems, seconds });
      say(problems.length === 0 ? `✔ as expected (${seconds.toFixed(1)}s)\n` : `✘ differs from the page:\n`);
      for (const p of problems) say(`    - ${p}\n`);
      if (step.settles) await waitForSidecars(home, say);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await runShell('automesh down', env, options.repoRoot, () => {});
    if (!options.keepState) await rm(home, { recursive: true, force: true });
  }
  const failed = results.filter((r) => r.problems.length > 0).length;
  say(`\n${summary(results)}\n\n`);
  if (interrupted) {
    say('demo interrupted\n');
    return 130;
  }
  say(
    failed === 0
      ? `All ${results.length} steps behaved as the page shows.\n`
      : `${failed} of ${results.length} steps differed from the page.\n`,
  );
  return failed === 0 && results.length === SCENARIO.length ? 0 : 1;
}
