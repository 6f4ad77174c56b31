// Careful reading of not-yet-validated input: rules run even when the schema found problems, so
// that one pass reports every problem; parts of the wrong shape are skipped here (the schema has
// already reported them).

export type RawMap = Record<string, unknown>;

export function isMap(value: unknown): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The map at `key`, or undefined when absent or not a map. */
export function mapAt(value: unknown, key: string): RawMap | undefined {
  if (!isMap(value)) return undefined;
  const child = value[key];
  return isMap(child) ? child : undefined;
}

/** The list at `key` (empty when absent or not a list). */
export function listAt(value: unknown, key: string): unknown[] {
  if (!isMap(value)) return [];
  const child = value[key];
  return Array.isArray(child) ? child : [];
}

export function stringAt(value: unknown, key: string): string | undefined {
  if (!isMap(value)) return undefined;
  const child = value[key];
  return typeof child === 'string' ? child : undefined;
}

export function has(value: unknown, key: string): boolean {
  return isMap(value) && value[key] !== undefined;
}

/** Only string-valued entries of the map at `key`. */
export function stringMapAt(value: unknown, key: string): Record<string, string> {
  const map = mapAt(value, key) ?? {};
  return Object.fromEntries(
    Object.entries(map).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
