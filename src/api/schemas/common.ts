// Building blocks shared by every kind's schema: names, labels, object metadata, ports.
// Messages are written for people; validate.ts turns zod issues into `path: message` problems.

import { z } from 'zod';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Which naming rule a kind's `metadata.name` follows (as Kubernetes does). */
export type NameRule = 'subdomain' | 'label' | 'dns1035';

/** Why `name` breaks `rule`, or undefined when it is fine. */
export function nameError(name: string, rule: NameRule): string | undefined {
  if (name === '') return 'required: a name must not be empty';
  const bad = `invalid name ${JSON.stringify(name)}: `;
  if (rule === 'subdomain') {
    if (name.length > 253) return `${bad}at most 253 characters`;
    if (!DNS1123_SUBDOMAIN.test(name)) {
      return `${bad}use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`;
    }
    return undefined;
  }
  if (name.length > 63) return `${bad}at most 63 characters`;
  if (rule === 'label' && !DNS1123_LABEL.test(name)) {
    return `${bad}use lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  if (rule === 'dns1035' && !DNS1035_LABEL.test(name)) {
    return `${bad}use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`;
  }
  return undefined;
}

/** Why `name` is not a valid port name (IANA service name), or undefined. */
export function portNameError(name: string): string | undefined {
  const bad = `invalid port name ${JSON.stringify(name)}: `;
  if (name.length > 15) return `${bad}at most 15 characters`;
  if (!IANA_SVC_NAME.test(name) || name.includes('--')) {
    return `${bad}use lowercase letters, digits and single '-', starting and ending with a letter or digit`;
  }
  if (!/[a-z]/.test(name)) return `${bad}must contain at least one letter`;
  return undefined;
}

/** Why `key` is not a valid label key (`[prefix/]name`), or undefined. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `invalid label key ${JSON.stringify(key)}: the prefix must be a lowercase DNS subdomain`;
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    return `invalid label key ${JSON.stringify(key)}: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined. */
export function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `invalid label value ${JSON.stringify(value)}: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** A string checked by `check`, which returns a message or undefined. */
export function checkedString(check: (s: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const message = check(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message });
  });
}

export const stringMap = z.record(z.string(), z.string());

/** Label map with Kubernetes key and value rules. */
export const labels = stringMap.superRefine((map, ctx) => {
  for (const [key, value] of Object.entries(map)) {
    const message = labelKeyError(key) ?? labelValueError(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, path: [key] });
  }
});

/** Anything Kubernetes has that automesh keeps as written without looking inside. */
export const opaqueMap = z.record(z.string(), z.unknown());
export const opaqueList = z.array(opaqueMap);

export const port = z
  .int()
  .min(1, { error: 'expected a port number 1-65535' })
  .max(65535, { error: 'expected a port number 1-65535' });

export const nonNegativeInt = z.int().min(0, { error: 'expected a number 0 or more' });

export const protocol = z.enum(['TCP', 'UDP', 'SCTP']);

const ownerReference = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

/** The metadata fields Kubernetes maintains or allows; accepted so real manifests and dumps decode. */
const metaFields = {
  namespace: checkedString((s) => nameError(s, 'label')).optional(),
  labels: labels.optional(),
  annotations: stringMap.optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: nonNegativeInt.optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: nonNegativeInt.optional(),
  generateName: z.string().optional(),
  ownerReferences: z.array(ownerReference).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: opaqueList.optional(),
  selfLink: z.string().optional(),
};

/** `metadata` of a top-level object: `name` required and checked by the kind's naming rule. */
export function objectMeta(rule: NameRule) {
  return z.strictObject({ name: checkedString((s) => nameError(s, rule)), ...metaFields });
}

/** `metadata` of a pod template: everything optional. */
export const templateMeta = z.strictObject({
  name: checkedString((s) => nameError(s, 'subdomain')).optional(),
  ...metaFields,
});

/** `selector: {matchLabels}` as Istio's workload selector has it. */
export const workloadSelector = z.strictObject({ matchLabels: labels.optional() });
