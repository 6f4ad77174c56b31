// `automesh down`: stops the mesh that `automesh up` runs on this state directory. Pods outlive
// an `up` that was killed (the next `up` adopts them), so with no `up` left, `down` stops them.
import { stateDir } from '../context.js';
import { flagBool, formatFlagHelp, parseFlags, COMMON_FLAGS } from '../flags.js';
import { reportError } from '../output/report-error.js';
import { isAlive, runningPid } from '../up/daemon-files.js';

const FLAGS = [COMMON_FLAGS.help] as const;
const STOP_TIMEOUT_MS = 20_000;

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp('automesh down', 'Stop the mesh started by automesh up.', FLAGS));
      return 0;
    }
    const dir = stateDir();
    const pid = runningPid(dir);
    if (pid === undefined) {
      const orphans = await stopOrphanedPods(dir);
      process.stdout.write(
        orphans === 0
          ? `automesh is not running on ${dir}\n`
          : `automesh is not running on ${dir}; stopped ${orphans} pod process(es) it left running\n`,
      );
      return 0;
    }
    process.kill(pid, 'SIGTERM');
    const started = Date.now();
    while (isAlive(pid)) {
      if (Date.now() - started > STOP_TIMEOUT_MS) {
        process.kill(pid, 'SIGKILL');
        await stopOrphanedPods(dir);
        process.stderr.write(`automesh (pid ${pid}) did not stop in time and was killed, with its pods\n`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    process.stdout.write('automesh stopped\n');
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

/** Kills the pod processes recorded under the state directory; the runtime is loaded only for this. */
async function stopOrphanedPods(dir: string): Promise<number> {
  const { killLeftoverProcesses } = await import('../../runtime/index.js');
  return killLeftoverProcesses(dir).length;
}
