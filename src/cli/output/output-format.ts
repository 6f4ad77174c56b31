// The `-o` flag's value, parsed once: `wide`, `yaml`, `json`, `name`, `jsonpath=TEMPLATE`
// (also `jsonpath='{...}'` with the quotes kept by a shell, as kubectl accepts).

export type OutputFormat =
  | { type: 'table'; wide: boolean }
  | { type: 'yaml' }
  | { type: 'json' }
  | { type: 'name' }
  | { type: 'jsonpath'; template: string };

const ALLOWED = 'json, yaml, name, jsonpath, wide';

export class OutputFormatError extends Error {
  readonly code = 'AUTOMESH_ERR_CLI_OUTPUT_FORMAT';
}

/** Parses `-o`'s value (undefined means the default table). Throws OutputFormatError. */
export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === '') return { type: 'table', wide: false };
  if (value === 'wide') return { type: 'table', wide: true };
  if (value === 'yaml' || value === 'json' || value === 'name') return { type: value };
  const match = /^jsonpath=(.*)$/s.exec(value);
  if (match !== null) {
    const template = stripQuotes(match[1]!);
    if (template === '') throw new OutputFormatError('template format specified but no template given');
    return { type: 'jsonpath', template };
  }
  throw new OutputFormatError(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: ${ALLOWED}`,
  );
}

function stripQuotes(text: string): string {
  const first = text[0];
  if (text.length >= 2 && (first === "'" || first === '"') && text.endsWith(first)) return text.slice(1, -1);
  return text;
}
