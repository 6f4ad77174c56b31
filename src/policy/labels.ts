// Label-selector matching, shared by services (selector) and policies (matchLabels).
import type { LabelSelector, Labels } from '../api/index.js';

/** True when every key/value of `selector` is in `labels`. An empty selector matches everything. */
export function labelsMatch(selector: Labels | undefined, labels: Labels): boolean {
  if (selector === undefined) return true;
  for (const [key, value] of Object.entries(selector)) {
    if (labels[key] !== value) return false;
  }
  return true;
}

/** A selector that names at least one label (an absent or empty `matchLabels` selects a whole namespace). */
export function hasSelector(selector: LabelSelector | undefined): selector is { matchLabels: Labels } {
  return selector?.matchLabels !== undefined && Object.keys(selector.matchLabels).length > 0;
}
