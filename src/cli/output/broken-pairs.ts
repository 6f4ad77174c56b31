// The lines `install` prints before refusing a change that would break running traffic.
import type { BrokenPair } from '../../policy/index.js';

const MAX_PAIRS_SHOWN = 20;

/** The lines `install` prints before refusing a breaking change (the first 20, then a count). */
export function formatBrokenPairs(pairs: readonly BrokenPair[]): string {
  const shown = pairs
    .slice(0, MAX_PAIRS_SHOWN)
    .map((p) => `  ${p.client} → ${p.service} (endpoint ${p.endpoint}): ${p.reason}\n`);
  const rest = pairs.length - MAX_PAIRS_SHOWN;
  return shown.join('') + (rest > 0 ? `  ... and ${rest} more\n` : '');
}
