import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { openRows } from '../../node/records/readers/index.ts';
import type { TableSource } from '../../node/records/readers/types.ts';

const ROWS = 200_000;
const MB = 1024 * 1024;

/** A full collection on demand, so heap readings measure live data rather than garbage not yet collected. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function writeBigCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('\uFEFF行政相对人名称,统一社会信用代码,行政处罚决定书文号,处罚决定日期,处罚类别,罚款金额,处罚内容,严重程度\r\n');
  for (let i = 0; i < ROWS; i += 1) {
    const line =
      `济南某某食品有限公司第${i}分公司,91370102MA3C${String(i).padStart(6, '0')},济市监罚〔2026〕${i}号,` +
      `2026-03-02,罚款,${(i * 13) % 100000},"未按规定标注, 责令改正并处罚款 ${i} 元",general\r\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

describe('records/readers memory', () => {
  let dir: string;
  let path: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'readers-memory-'));
    path = join(dir, 'big.csv');
    await writeBigCsv(path);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams a 200,000-row CSV with a flat heap', async () => {
    const gc = collector();
    const size = (await stat(path)).size;
    expect(size).to.be.greaterThan(30 * MB); // holding the rows would take several times this in the heap

    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    let last = 0;
    const source = (await openRows(path, {})) as TableSource;
    for await (const row of source.rows) {
      count += 1;
      last = row.rowNumber;
      if (count % 25_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(count).to.equal(ROWS);
    expect(last).to.equal(ROWS + 1);
    expect(peak / MB, 'heap growth in MB while streaming').to.be.lessThan(50);
  });
});
