// kubectl `-l` label selectors: `app=x`, `app==x`, `version!=y`, `env in (a,b)`, `env notin (a)`,
// `tier` (has the label), `!legacy` (lacks it), joined with commas (AND). Parsing is pure and
// reports the first problem with its position, so a bad `-l` is answered with a clear message.

import type { Labels } from '../api/index.js';

export type LabelRequirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type LabelSelectorParse =
  { ok: true; requirements: LabelRequirement[] } | { ok: false; message: string };

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

function parseTerm(term: string): LabelRequirement | string {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const [, key = '', op, inner = ''] = set;
    const values = inner.split(',').map((v) => v.trim());
    const bad = values.find((v) => !VALUE.test(v));
    if (bad !== undefined) return `invalid label value "${bad}" in "${term}"`;
    return { key, op: op === 'in' ? 'in' : 'notin', values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (cmp) {
    const [, key = '', op, value = ''] = cmp;
    if (!VALUE.test(value)) return `invalid label value "${value}" in "${term}"`;
    return { key, op: op === '!=' ? 'neq' : 'eq', value };
  }
  if (term.startsWith('!')) return { key: term.slice(1).trim(), op: 'notexists' };
  return { key: term, op: 'exists' };
}

/** Parses a selector; the empty string selects everything. */
export function parseLabelSelector(selector: string): LabelSelectorParse {
  if (selector.trim() === '') return { ok: true, requirements: [] };
  const requirements: LabelRequirement[] = [];
  for (const term of splitTerms(selector)) {
    if (term === '') return { ok: false, message: `invalid label selector "${selector}": empty term` };
    const parsed = parseTerm(term);
    if (typeof parsed === 'string') return { ok: false, message: `invalid label selector: ${parsed}` };
    if (!KEY.test(parsed.key) || parsed.key.length > 316) {
      return { ok: false, message: `invalid label selector: invalid label key "${parsed.key}"` };
    }
    requirements.push(parsed);
  }
  return { ok: true, requirements };
}

function matchesOne(labels: Labels, req: LabelRequirement): boolean {
  const value = labels[req.key];
  switch (req.op) {
    case 'eq':
      return value === req.value;
    case 'neq':
      return value !== req.value;
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
  }
}

/** True when the labels satisfy every requirement. */
export function matchesLabelSelector(
  labels: Labels | undefined,
  requirements: readonly LabelRequirement[],
): boolean {
  const own = labels ?? {};
  return requirements.every((req) => matchesOne(own, req));
}
