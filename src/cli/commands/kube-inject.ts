// `automesh kube-inject -f FILE|-`: prints the manifest with the sidecar injected into every
// Deployment and Pod (istioctl kube-inject). Other documents are printed as they were written.

import { readFileSync } from 'node:fs';
import { Document, parseAllDocuments } from 'yaml';
import { injectSidecar } from '../../api/index.js';

const USAGE = `Usage: automesh kube-inject -f FILE|-

Prints the Kubernetes manifest in FILE (or stdin for "-") with the automesh sidecar injected into
every Deployment and Pod, ready for "automesh apply -f -" or a real cluster's "kubectl apply".

Flags:
  -f, --filename FILE   the manifest to inject ("-" reads stdin)
  -o, --output FILE     write there instead of stdout
`;

interface Flags {
  filename?: string;
  output?: string;
  help: boolean;
}

function parseFlags(args: string[]): Flags | string {
  const flags: Flags = { help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (name === '-h' || name === '--help') flags.help = true;
    else if (name === '-f' || name === '--filename' || name === '-o' || name === '--output') {
      const value = inline ?? args[++i];
      if (value === undefined) return `flag needs an argument: ${name}`;
      if (name === '-f' || name === '--filename') flags.filename = value;
      else flags.output = value;
    } else if (arg.startsWith('-f') && arg.length > 2) flags.filename = arg.slice(2);
    else return `unknown flag or argument "${arg}" for "automesh kube-inject"`;
  }
  return flags;
}

/** The injected manifest as YAML text; throws with the YAML error when the input does not parse. */
export function injectManifest(text: string): string {
  const out: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message ?? 'invalid YAML');
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const injected = injectSidecar(value);
    // Untouched documents keep their text and comments; the separator is added below.
    out.push(
      injected === value
        ? doc.toString().replace(/^---[ \t]*\n/, '')
        : new Document(injected).toString({ lineWidth: 0 }),
    );
  }
  return out.map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('---\n');
}

export async function run(args: string[]): Promise<number> {
  const flags = parseFlags(args);
  if (typeof flags === 'string') {
    process.stderr.write(`error: ${flags}\n`);
    return 1;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.filename === undefined) {
    process.stderr.write('error: specify the manifest with -f FILE (or -f - for stdin)\n');
    return 1;
  }
  let text: string;
  try {
    text = readFileSync(flags.filename === '-' ? 0 : flags.filename, 'utf8');
  } catch (err) {
    process.stderr.write(`error: cannot read ${flags.filename}: ${(err as Error).message}\n`);
    return 1;
  }
  let result: string;
  try {
    result = injectManifest(text);
  } catch (err) {
    process.stderr.write(`error: ${flags.filename}: ${(err as Error).message}\n`);
    return 1;
  }
  if (flags.output === undefined) {
    await new Promise<void>((resolve) => process.stdout.write(result, () => resolve()));
  } else {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(flags.output, result);
  }
  return 0;
}
