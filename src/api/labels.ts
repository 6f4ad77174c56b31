// Label-selector meaning, in one place: policies' matchLabels, Services' selectors, Deployments'
// selectors and pods' nodeSelector all match here (policy, the control plane's controllers and the
// runtime import it).
import type { LabelSelector, Labels } from './resources.js';

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

/**
 * A Service's selector picks pods only when it names a label: a Service without one selects
 * nothing (its Endpoints are someone else's to write), unlike an empty policy selector.
 */
export function serviceSelects(selector: Labels | undefined, labels: Labels): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && labelsMatch(selector, labels);
}
