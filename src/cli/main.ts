// automesh command-line entry point. The CLI is the only place that prints for people or exits.
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2));
