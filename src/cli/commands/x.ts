// `automesh x <command>`: the experimental commands, each in a module of its own.

const X_USAGE = `Experimental commands.

Usage:
  automesh x <command> [flags]

Commands:
  edges             Who talks to whom, how (mTLS with both identities, or plaintext and why), requests, last seen
  explain           Explain the TLS between a workload and a service, endpoint by endpoint, from YAML files
  strict-readiness  Per server port: the plaintext clients its sidecar saw, and whether STRICT would break them

Run 'automesh x <command> --help' for a command's flags.
`;

const SUBCOMMANDS: Record<string, () => Promise<{ run(args: string[]): number | Promise<number> }>> = {
  edges: () => import('./edges.js'),
  explain: async () => ({ run: (await import('./explain.js')).explain }),
  'strict-readiness': () => import('./strict-readiness.js'),
};

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(X_USAGE);
    return sub === undefined ? 1 : 0;
  }
  const load = SUBCOMMANDS[sub];
  if (load === undefined) {
    process.stderr.write(
      `error: unknown command "${sub}" for "automesh x"\nRun 'automesh x --help' for usage.\n`,
    );
    return 1;
  }
  return (await load()).run(rest);
}
