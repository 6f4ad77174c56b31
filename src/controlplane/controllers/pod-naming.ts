// Pod names as Kubernetes makes them: `<deployment>-<pod-template-hash>-<5 char suffix>`. The hash
// is FNV-1a (32 bit) of the template, encoded the way Kubernetes' rand.SafeEncodeString does (no
// vowels, no look-alike characters), so a template change gives new pod names.

import { randomInt } from 'node:crypto';
import { stableJson } from '../../api/index.js';
import type { PodTemplate } from '../../api/index.js';

/** Kubernetes' alphabet for generated names (k8s.io/apimachinery/pkg/util/rand). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The `pod-template-hash` label value of a template. */
export function podTemplateHash(template: PodTemplate): string {
  const digits = String(fnv1a32(stableJson(template)));
  let out = '';
  for (const ch of digits) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** A random 5-character suffix from the safe alphabet. */
export function randomPodSuffix(random: (max: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) out += SAFE_ALPHABET[random(SAFE_ALPHABET.length)];
  return out;
}

export function podName(deployment: string, hash: string, suffix: string): string {
  return `${deployment}-${hash}-${suffix}`;
}
