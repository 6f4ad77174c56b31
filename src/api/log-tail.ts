// `--tail N` / `tailLines=N` of a container's log, one definition for `automesh logs` and the API
// server's pods/<name>/log (kubectl logs): the last N lines, a final newline kept, none for N = 0.

export function lastLines(text: string, count: number | undefined): string {
  if (count === undefined) return text;
  const lines = text.split('\n');
  const trailingNewline = lines.at(-1) === '';
  if (trailingNewline) lines.pop();
  const kept = lines.slice(Math.max(0, lines.length - count));
  return kept.join('\n') + (trailingNewline && kept.length > 0 ? '\n' : '');
}
