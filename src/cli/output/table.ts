// Column layout as kubectl's tabwriter does it: every cell but the last of a row is padded to its
// column's widest cell plus three spaces; no trailing spaces.

const COLUMN_GAP = 3;

/** Formats a header row and data rows as aligned text, one line per row, ending in a newline. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const lines = all.map((row) =>
    row
      .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd((widths[col] ?? 0) + COLUMN_GAP)))
      .join(''),
  );
  return lines.map((line) => `${line}\n`).join('');
}
