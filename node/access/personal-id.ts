import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Personal ID numbers at rest (DESIGN.md §5, PIPL): AES-256-GCM ciphertext for the number, and an HMAC-SHA256
 * keyed hash to find a person without decrypting. Both keys derive from the node's data key file, so a copy of
 * the store alone reveals no number.
 */
export class PersonalIdVault {
  private readonly encKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(dataKey: Buffer) {
    this.encKey = createHmac('sha256', dataKey).update('credit-node/personal-id/enc/v1').digest();
    this.hashKey = createHmac('sha256', dataKey).update('credit-node/personal-id/hash/v1').digest();
  }

  /** Keyed hash, hex; the lookup key of natural persons. */
  hash(idNumber: string): string {
    return createHmac('sha256', this.hashKey).update(idNumber).digest('hex');
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  encrypt(idNumber: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    const data = Buffer.concat([cipher.update(idNumber, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${data.toString('base64url')}`;
  }

  decrypt(token: string): string {
    const [v, iv, tag, data] = token.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('无法识别的证件号码密文');
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}
