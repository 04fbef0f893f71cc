import { generateKeyPairSync, createPublicKey, createPrivateKey, createHash, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Node keys are ECDSA P-256 (ES256); the algorithm is named in every signature so SM2 can sit beside it. */
export const NODE_KEY_ALG = 'ES256';

export interface NodeKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  fingerprint: string;
}

/** SHA-256 over the DER SubjectPublicKeyInfo, as colon-free hex: what operators compare on the phone. */
export function fingerprintOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** Creates a key pair on disk; the private key file is readable by its owner only (0600). */
export function createNodeKeys(privateFile: string, publicFile: string): NodeKeys {
  if (existsSync(privateFile)) throw new Error(`密钥文件已存在，不会覆盖：${privateFile}`);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  mkdirSync(path.dirname(privateFile), { recursive: true, mode: 0o700 });
  mkdirSync(path.dirname(publicFile), { recursive: true });
  writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(privateFile, 0o600);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(publicFile, publicKeyPem, { mode: 0o644 });
  return { privateKey, publicKey, publicKeyPem, fingerprint: fingerprintOf(publicKey) };
}

export function loadNodeKeys(privateFile: string, publicFile: string): NodeKeys {
  const privateKey = createPrivateKey(readFileSync(privateFile));
  const publicKey = existsSync(publicFile) ? createPublicKey(readFileSync(publicFile)) : createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKey, publicKeyPem, fingerprint: fingerprintOf(publicKey) };
}

export function loadPublicKey(pem: string): KeyObject {
  return createPublicKey(pem);
}
