// `automesh demo`: the seed walkthrough, run and checked end to end on a throw-away local mesh.
import { runDemo } from '../demo/run-demo.js';
import { cliArgv, PACKAGE_ROOT } from '../self.js';

const HELP = `Run the "Automatic mutual TLS" walkthrough against a throw-away local mesh.

Starts a mesh in a temporary state directory, runs every command of the walkthrough as written
(kubectl and istioctl replaced by automesh), shows its output, checks each outcome against what
the page expects, prints a summary, and stops the mesh. Exits non-zero if anything differed.

Usage: automesh demo [--keep-state]

Flags:
  --keep-state   keep the temporary state directory (logs, store) for inspection
`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--keep-state');
  if (unknown.length > 0) {
    process.stderr.write(`error: unknown flag: ${unknown[0]}\n`);
    return 1;
  }
  return runDemo({
    repoRoot: PACKAGE_ROOT,
    cliArgv: cliArgv(),
    keepState: args.includes('--keep-state'),
    write: (text) => process.stdout.write(text),
  });
}
