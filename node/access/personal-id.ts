import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Personal ID numbers at rest (DESIGN.md §5, PIPL): AES-256-GCM ciphertext for the number, and an HMAC-SHA256
 * keyed hash to find a person without decrypting. The hash key and the exchange key (version 1) derive from the
 * node's data key file, which the province shares with its nodes so every node finds and reads a person the same
 * way; ciphertexts inside events always use version 1. The copies at rest (natural_persons.id_cipher) use the
 * node's current key: `credit-node keys rotate-data` adds a version (a random key in data-keys/<n>.key beside
 * the data key file) and re-seals them. Every version stays readable, so events signed long ago still open.
 */
export class PersonalIdVault {
  private readonly hashKey: Buffer;
  private readonly keys = new Map<number, Buffer>();
  private current = 1;

  /** @param extra further key versions (2, 3 …) by number; the highest is current. */
  constructor(dataKey: Buffer, extra: ReadonlyMap<number, Buffer> = new Map()) {
    this.hashKey = createHmac('sha256', dataKey).update('credit-node/personal-id/hash/v1').digest();
    this.keys.set(1, createHmac('sha256', dataKey).update('credit-node/personal-id/enc/v1').digest());
    for (const [v, key] of extra) this.addKey(v, key);
  }

  /** The vault of a node: its data key and the versions in data-keys/ beside it. */
  static load(dataKey: Buffer, dataKeyFile: string): PersonalIdVault {
    return new PersonalIdVault(dataKey, readKeyVersions(keyDir(dataKeyFile)));
  }

  get currentVersion(): number {
    return this.current;
  }

  addKey(version: number, key: Buffer): void {
    if (!Number.isInteger(version) || version < 2 || key.length !== 32) throw new Error(`密钥版本 ${version} 无效`);
    this.keys.set(version, key);
    this.current = Math.max(this.current, version);
  }

  /** Keyed hash, hex; the lookup key of natural persons. */
  hash(idNumber: string): string {
    return createHmac('sha256', this.hashKey).update(idNumber).digest('hex');
  }

  /** For events (readable by every node of the province): `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  encrypt(idNumber: string): string {
    return this.encryptWith(1, idNumber);
  }

  /** For the copy at rest: the node's current key version. */
  seal(idNumber: string): string {
    return this.encryptWith(this.current, idNumber);
  }

  /** A ciphertext under the current version (unchanged when it already is). */
  reseal(token: string): string {
    return versionOf(token) === this.current ? token : this.seal(this.decrypt(token));
  }

  decrypt(token: string): string {
    const [v, iv, tag, data] = token.split('.');
    const key = this.keys.get(Number(v?.slice(1)));
    if (!v?.startsWith('v') || !key || !iv || !tag || data === undefined) throw new Error('无法识别的证件号码密文（密钥版本未知）');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  private encryptWith(version: number, idNumber: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(version) as Buffer, iv);
    const data = Buffer.concat([cipher.update(idNumber, 'utf8'), cipher.final()]);
    return `v${version}.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${data.toString('base64url')}`;
  }
}

export const versionOf = (token: string): number => Number(token.slice(1, token.indexOf('.')));

const keyDir = (dataKeyFile: string) => path.join(path.dirname(dataKeyFile), 'data-keys');

function readKeyVersions(dir: string): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const m = /^(\d+)\.key$/.exec(f);
    if (!m) continue;
    const key = Buffer.from(readFileSync(path.join(dir, f), 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`密钥文件长度不正确（应为 32 字节）：${path.join(dir, f)}`);
    out.set(Number(m[1]), key);
  }
  return out;
}

/** Writes key version current+1 (mode 0600) beside the data key file and adds it to the vault. */
export function addKeyVersion(vault: PersonalIdVault, dataKeyFile: string): number {
  const dir = keyDir(dataKeyFile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const version = vault.currentVersion + 1;
  const key = randomBytes(32);
  const file = path.join(dir, `${version}.key`);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  vault.addKey(version, key);
  return version;
}
