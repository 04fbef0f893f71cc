import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { FieldProblem } from './types.ts';

const cell = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * The rejects report of an import: one line per problem (row number, field, reason), UTF-8 with a BOM so Excel
 * opens it in Chinese. The file is created only when the first reject arrives.
 */
export class RejectsReport {
  private out: WriteStream | undefined;
  count = 0;

  constructor(readonly file: string) {}

  add(rowNumber: number, problems: FieldProblem[]): void {
    if (!this.out) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.out = createWriteStream(this.file);
      this.out.write('\uFEFF行号,字段,原因\n');
    }
    this.count += 1;
    for (const p of problems.length ? problems : [{ path: '', message: '未知错误' }]) {
      this.out.write(`${cell(rowNumber)},${cell(p.path)},${cell(p.message)}\n`);
    }
  }

  async close(): Promise<string | null> {
    const out = this.out;
    if (!out) return null;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return this.file;
  }
}
