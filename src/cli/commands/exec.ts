// `automesh exec POD|deploy/NAME [-c CONTAINER] [-n NS] -- CMD ...`: runs a command as if inside
// the pod's container: the container's environment, including the proxy variables that send its
// traffic through the pod's sidecar (or the plain service proxy for pods without one). Stdio is
// attached; a failing command prints kubectl's `command terminated with exit code N` and exits N.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { execEnvironment } from '../../runtime/container-env.js';
import { loadClient } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import { reportError } from '../output/report-error.js';
import { pickContainer, resolvePod } from '../resolve-pod.js';

const FLAGS = [
  COMMON_FLAGS.namespace,
  COMMON_FLAGS.container,
  { name: 'stdin', short: 'i', type: 'bool', usage: 'pass stdin to the command' },
  { name: 'tty', short: 't', type: 'bool', usage: 'accepted for kubectl compatibility' },
  COMMON_FLAGS.help,
] as const;
const USAGE = 'automesh exec POD|deploy/NAME [-c CONTAINER] [-n NAMESPACE] -- COMMAND [ARGS...]';

/** How long a reader of our stdout gets to print what it has before the exit-code line. */
const PIPE_SETTLE_MS = 100;

/**
 * When stdout is a pipe (`exec ... | egrep`), the reader prints what it buffered only once every
 * writer has closed it: close ours and give it a moment, so that its output comes before the
 * `command terminated` line, in the order kubectl users see on their pages.
 */
async function letPipeReaderFinish(): Promise<void> {
  if (process.stdout.isTTY) return;
  closeSync(1);
  await new Promise((resolve) => setTimeout(resolve, PIPE_SETTLE_MS));
}

/** Exit code a shell gives for a command it cannot find, as `kubectl exec` reports it. */
const EXIT_NOT_FOUND = 127;

function runCommand(command: string[], env: Record<string, string>, stdin: boolean): Promise<number> {
  return new Promise((resolve) => {
    const [file, ...args] = command;
    const child = spawn(file ?? '', args, {
      env,
      stdio: [stdin ? 'inherit' : 'ignore', 'inherit', 'inherit'],
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    const done = (code: number) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'ENOENT' ? `executable file not found in $PATH` : err.message;
      process.stderr.write(`error: exec: "${file ?? ''}": ${reason}\n`);
      done(EXIT_NOT_FOUND);
    });
    child.on('close', (code, signal) => done(code ?? (signal === null ? 1 : 128 + 9)));
  });
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, "Run a command in a pod's container.", FLAGS));
      return 0;
    }
    const [target, ...extra] = flags.positionals;
    const command = flags.rest ?? [];
    if (target === undefined) throw new Error(`a pod is required: ${USAGE}`);
    if (extra.length > 0 || command.length === 0) {
      throw new Error(`put the command after "--": ${USAGE}`);
    }
    const namespace = flagString(flags, 'namespace') ?? 'default';
    const api = await loadClient();
    const pod = await resolvePod(api, target, namespace);
    const container = pickContainer(pod, flagString(flags, 'container'));
    const env = execEnvironment(pod, container.name);
    if (env === undefined) throw new Error(`pod ${pod.metadata.name} is not running yet (no pod IP)`);
    const code = await runCommand(command, env, flagBool(flags, 'stdin'));
    if (code !== 0) {
      await letPipeReaderFinish();
      process.stderr.write(`command terminated with exit code ${code}\n`);
    }
    return code;
  } catch (error) {
    return reportError(error);
  }
}
