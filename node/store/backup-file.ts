import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { BadRequest } from '../errors.ts';
import { BLOCK, isZeroBlock, paddingOf, parseTarHeader, tarHeader } from './backup-archive.ts';
import { MANIFEST_ENTRY } from './backup-manifest.ts';

/** Counts and hashes (SHA-256) what passes through. */
export class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Completes an archive whose store entry was streamed to `file` from offset 512: writes that entry's header at
 * 0, then the manifest entry and the end-of-archive blocks; flushes it to disk.
 */
export async function finishArchive(file: string, store: { name: string; size: number }, manifestText: string, mtime: Date): Promise<number> {
  const fh = await open(file, 'r+');
  try {
    const seconds = Math.floor(mtime.getTime() / 1000);
    await fh.write(tarHeader({ name: store.name, size: store.size, mtime: seconds, mode: 0o600 }), 0, BLOCK, 0);
    const body = Buffer.from(manifestText, 'utf8');
    const pos = BLOCK + store.size;
    const tail = Buffer.concat([
      Buffer.alloc(paddingOf(store.size)),
      tarHeader({ name: MANIFEST_ENTRY, size: body.length, mtime: seconds, mode: 0o600 }),
      body,
      Buffer.alloc(paddingOf(body.length) + 2 * BLOCK),
    ]);
    await fh.write(tail, 0, tail.length, pos);
    await fh.sync();
    return pos + tail.length;
  } finally {
    await fh.close();
  }
}

export interface OpenedBackup {
  /** The store entry: its name and where its bytes are in the file. */
  store: { name: string; offset: number; size: number };
  /** The manifest entry's text. */
  manifestText: string;
  bytes: number;
}

const damaged = (file: string, why: string) => new BadRequest(`备份文件已损坏或不完整，拒绝恢复：${file}（${why}）`);

/** Reads the archive's two entries; a truncated or damaged file is refused naming what is wrong. */
export async function openBackup(file: string): Promise<OpenedBackup> {
  const size = (await stat(file)).size;
  const fh = await open(file, 'r');
  try {
    const block = async (pos: number, what: string): Promise<Buffer> => {
      if (pos + BLOCK > size) throw damaged(file, `文件在${what}处被截断`);
      const buf = Buffer.alloc(BLOCK);
      await fh.read(buf, 0, BLOCK, pos);
      return buf;
    };
    const header = async (pos: number, what: string) => {
      try {
        return parseTarHeader(await block(pos, what));
      } catch (err) {
        if ((err as { code?: string }).code === 'BAD_REQUEST') throw err;
        throw damaged(file, `${what}的文件头无效：${(err as Error).message}`);
      }
    };
    const first = await header(0, '存储副本');
    if (!/^store\.(sqlite|sql)\.gz$/.test(first.name) || first.size === 0) throw damaged(file, `第一项应为存储副本，实为 ${first.name}`);
    const manifestAt = BLOCK + first.size + paddingOf(first.size);
    const second = await header(manifestAt, '备份清单');
    if (second.name !== MANIFEST_ENTRY) throw damaged(file, `第二项应为 ${MANIFEST_ENTRY}，实为 ${second.name}`);
    if (second.size > 16 * 1024 * 1024) throw damaged(file, '备份清单过大');
    const end = manifestAt + BLOCK + second.size + paddingOf(second.size);
    if (end + 2 * BLOCK > size) throw damaged(file, '文件在结尾处被截断');
    const text = Buffer.alloc(second.size);
    await fh.read(text, 0, second.size, manifestAt + BLOCK);
    for (const at of [end, end + BLOCK]) if (!isZeroBlock(await block(at, '结尾'))) throw damaged(file, '归档结尾标记缺失');
    return { store: { name: first.name, offset: BLOCK, size: first.size }, manifestText: text.toString('utf8'), bytes: size };
  } finally {
    await fh.close();
  }
}

/** The store entry's bytes as a stream. */
export function storeStream(file: string, entry: OpenedBackup['store']): Readable {
  return createReadStream(file, { start: entry.offset, end: entry.offset + entry.size - 1 });
}
