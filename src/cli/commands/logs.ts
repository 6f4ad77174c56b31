// `automesh logs POD|deploy/NAME [-c CONTAINER] [-n NS] [-f] [--tail N]`: a container's output,
// kept by the runtime in the state directory.
import { createReadStream, existsSync, statSync, watchFile, unwatchFile, readFileSync } from 'node:fs';
import { loadClient, stateDir } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import { reportError } from '../output/report-error.js';
import { pickContainer, resolvePod } from '../resolve-pod.js';
import { podDirectory } from '../../runtime/pod-directory.js';
import { lastLines } from '../../api/log-tail.js';

const FLAGS = [
  COMMON_FLAGS.namespace,
  COMMON_FLAGS.container,
  { name: 'follow', short: 'f', type: 'bool', usage: 'keep printing new output until Ctrl-C' },
  { name: 'tail', type: 'string', usage: 'lines of recent output to show (default all)' },
  COMMON_FLAGS.help,
] as const;
const USAGE = 'automesh logs POD|deploy/NAME [-c CONTAINER] [-n NAMESPACE] [-f] [--tail N]';
const FOLLOW_POLL_MS = 250;

/** Prints what is appended to `path` until Ctrl-C. */
function follow(path: string, from: number): Promise<number> {
  return new Promise((resolve) => {
    let offset = from;
    const onChange = () => {
      const size = statSync(path).size;
      if (size < offset) offset = 0; // truncated: start over
      if (size === offset) return;
      createReadStream(path, { start: offset, end: size - 1 }).pipe(process.stdout, { end: false });
      offset = size;
    };
    watchFile(path, { interval: FOLLOW_POLL_MS }, onChange);
    process.once('SIGINT', () => {
      unwatchFile(path, onChange);
      resolve(0);
    });
  });
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, "Print a container's logs.", FLAGS));
      return 0;
    }
    const [target, ...extra] = flags.positionals;
    if (target === undefined || extra.length > 0) throw new Error(`one pod is required: ${USAGE}`);
    const tailFlag = flagString(flags, 'tail');
    const tail = tailFlag === undefined || tailFlag === '-1' ? undefined : Number(tailFlag);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) {
      throw new Error(`--tail must be a whole number, got "${tailFlag}"`);
    }
    const namespace = flagString(flags, 'namespace') ?? 'default';
    const pod = await resolvePod(await loadClient(), target, namespace);
    const container = pickContainer(pod, flagString(flags, 'container'));
    const path = podDirectory(stateDir(), namespace, pod.metadata.name).logFile(container.name);
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    process.stdout.write(lastLines(text, tail));
    return flagBool(flags, 'follow') ? follow(path, Buffer.byteLength(text)) : 0;
  } catch (error) {
    return reportError(error);
  }
}
