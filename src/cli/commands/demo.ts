// `automesh demo`: the seed walkthrough, run and checked end to end on a throw-away local mesh.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { runDemo } from '../demo/run-demo.js';
import { cliArgv, PACKAGE_ROOT } from '../self.js';

const HELP = `Run the "Automatic mutual TLS" walkthrough against a throw-away local mesh.

Starts a mesh in a temporary state directory, runs every command of the walkthrough as written
(kubectl and istioctl replaced by automesh), shows its output, checks each outcome against what
the page expects, prints a summary, and stops the mesh. Exits non-zero if anything differed.

Usage: automesh demo [--keep-state] [--kubectl[=PATH]]

Flags:
  --keep-state       keep the temporary state directory (logs, store) for inspection
  --kubectl[=PATH]   give the page's kubectl commands to the real kubectl (the one on PATH, or
                     PATH), with KUBECONFIG set to the mesh's admin kubeconfig; istioctl's
                     (manifest apply, kube-inject) stay automesh
`;

/** An executable named `name` on PATH (or `name` itself when it is a path), or undefined. */
function findExecutable(name: string): string | undefined {
  const candidates =
    isAbsolute(name) || name.includes('/')
      ? [name]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter((d) => d !== '')
          .map((d) => join(d, name));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false; // not there or not executable: try the next directory
    }
  });
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let kubectl: string | undefined;
  for (const arg of args) {
    if (arg === '--keep-state') continue;
    if (arg === '--kubectl' || arg.startsWith('--kubectl=')) {
      const wanted = arg === '--kubectl' ? 'kubectl' : arg.slice('--kubectl='.length);
      kubectl = findExecutable(wanted);
      if (kubectl === undefined) {
        process.stderr.write(
          `error: --kubectl: no executable "${wanted}" found${wanted.includes('/') ? '' : ' on PATH'}\n`,
        );
        return 1;
      }
      continue;
    }
    process.stderr.write(`error: unknown flag: ${arg}\n`);
    return 1;
  }
  return runDemo({
    repoRoot: PACKAGE_ROOT,
    cliArgv: cliArgv(),
    keepState: args.includes('--keep-state'),
    ...(kubectl === undefined ? {} : { kubectl }),
    write: (text) => process.stdout.write(text),
  });
}
