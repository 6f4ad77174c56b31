// Join tokens (kubeadm's bootstrap token shape, `[a-z0-9]{6}.[a-z0-9]{16}`: a public id and a
// secret): a host presents one to trade it for its node credential. Only the secret's SHA-256 is
// kept, with the expiry, in `<stateDir>/join-tokens.json` (0600); expired entries are dropped on
// every write. Tokens are checked in constant time and never logged.

import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '../ca/private-file.js';

export const JOIN_TOKENS_FILE = 'join-tokens.json';
/** kubeadm's default token lifetime is 24 h; a token here is for one join, so it is short. */
export const DEFAULT_JOIN_TOKEN_TTL_SECONDS = 3600;
export const MAX_JOIN_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
export const JOIN_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

interface StoredToken {
  id: string;
  secretSha256: string;
  expiresAt: string;
}

export interface IssuedJoinToken {
  token: string;
  expiresAt: string;
}

const randomText = (length: number): string =>
  Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class JoinTokenRegistry {
  private readonly file: string;

  constructor(
    stateDir: string,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.file = join(stateDir, JOIN_TOKENS_FILE);
  }

  async create(ttlSeconds: number = DEFAULT_JOIN_TOKEN_TTL_SECONDS): Promise<IssuedJoinToken> {
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_JOIN_TOKEN_TTL_SECONDS)
      throw new RangeError(`a join token lives 1 s to ${MAX_JOIN_TOKEN_TTL_SECONDS / 86400} days`);
    const id = randomText(6);
    const secret = randomText(16);
    const expiresAt = new Date(this.nowMs() + Math.floor(ttlSeconds) * 1000).toISOString();
    const kept = (await this.read()).filter((t) => t.id !== id);
    kept.push({ id, secretSha256: sha256(secret).toString('hex'), expiresAt });
    await writePrivateFile(this.file, `${JSON.stringify(kept, null, 2)}\n`);
    return { token: `${id}.${secret}`, expiresAt };
  }

  /** True for a token that was created here and has not expired. */
  async isValid(token: string): Promise<boolean> {
    const match = JOIN_TOKEN_PATTERN.exec(token);
    if (match === null) return false;
    const entry = (await this.read()).find((t) => t.id === match[1]);
    if (entry === undefined) return false;
    const expected = Buffer.from(entry.secretSha256, 'hex');
    const given = sha256(match[2] ?? '');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Unexpired entries (a corrupt or missing file has none). */
  private async read(): Promise<StoredToken[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) return [];
    const now = this.nowMs();
    return (parsed as StoredToken[]).filter(
      (t) => typeof t?.id === 'string' && typeof t.secretSha256 === 'string' && Date.parse(t.expiresAt) > now,
    );
  }
}
