import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import path from 'node:path';

/** Reads a 32-byte secret file, creating it (mode 0600) on first use. */
export function loadOrCreateSecret(file: string): Buffer {
  if (existsSync(file)) {
    const buf = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (buf.length !== 32) throw new Error(`密钥文件长度不正确（应为 32 字节）：${file}`);
    return buf;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
