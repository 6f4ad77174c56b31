// `automesh create namespace NAME` (or `ns`), and `automesh create -f FILE|-`: create objects that
// must not exist yet, with kubectl's wording (`namespace/full created`, AlreadyExists errors).
import type { Namespace, Resource } from '../../api/index.js';
import { loadClient } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, flagStrings, formatFlagHelp, parseFlags } from '../flags.js';
import { reportError } from '../output/report-error.js';
import { decodeSources, ManifestError, placeInNamespace, refOf } from './apply.js';

const FLAGS = [COMMON_FLAGS.filename, COMMON_FLAGS.namespace, COMMON_FLAGS.help];
const USAGE = 'automesh create namespace NAME | automesh create -f FILE|-';

function namespaceObject(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function fromArguments(positionals: string[]): Resource[] {
  const [what, name, ...extra] = positionals;
  if (what === undefined)
    throw new Error('must specify one of -f and -k, or a kind: automesh create namespace NAME');
  if (what !== 'namespace' && what !== 'ns') {
    throw new Error(`automesh create supports "namespace NAME" and "-f FILE", not "${what}"`);
  }
  if (name === undefined) throw new Error('exactly one NAME is required, got 0');
  if (extra.length > 0) throw new Error(`exactly one NAME is required, got ${extra.length + 1}`);
  return [namespaceObject(name)];
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, 'Create a resource from a file or from stdin.', FLAGS));
      return 0;
    }
    const files = flagStrings(flags, 'filename');
    let resources = files.length > 0 ? decodeSources(files) : fromArguments(flags.positionals);
    resources = placeInNamespace(resources, flagString(flags, 'namespace'));
    const client = await loadClient();
    let failed = false;
    for (const resource of resources) {
      try {
        await client.create(resource);
        process.stdout.write(`${refOf(resource)} created\n`);
      } catch (error) {
        failed = true;
        reportError(error);
      }
    }
    return failed ? 1 : 0;
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`${error.toString()}\n`);
      return 1;
    }
    return reportError(error);
  }
}
