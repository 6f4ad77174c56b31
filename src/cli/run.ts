// Dispatches argv to a command. Each command module is loaded only when used, so that
// `automesh --help` and the sidecar start fast.

const USAGE = `automesh: a service mesh with automatic mutual TLS

Usage: automesh <command> [flags]

Run 'automesh <command> --help' for a command's flags.
`;

export async function run(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  process.stderr.write(
    `error: unknown command "${command}" for "automesh"\nRun 'automesh --help' for usage.\n`,
  );
  return Promise.resolve(1);
}
