import { Writable } from 'node:stream';
import { expect } from 'chai';
import { ProgressBar } from '../../node/records/progress.ts';

const MB = 1024 * 1024;

function capture(tty: boolean): { stream: Writable; output: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  Object.assign(stream, { isTTY: tty });
  return { stream, output: () => chunks.join('') };
}

describe('records/progress', () => {
  it('redraws one terminal line at most 5 times a second', () => {
    let now = 1_000_000;
    const { stream, output } = capture(true);
    const bar = new ProgressBar({ total: 27.1 * MB, label: '导入中', stream, now: () => now });
    now += 4_000;
    bar.update(12.3 * MB, { rows: 35_000 });
    for (let i = 0; i < 10; i += 1) {
      now += 10;
      bar.update(12.3 * MB, { rows: 35_000 + i });
    }
    expect(output().split('\r')).to.have.length(2); // one redraw despite 11 updates within 200 ms
    expect(output()).to.contain('导入中 [#########-----------] 45% 12.3 MB/27.1 MB 35,000 行 8,750 行/秒');
    now += 200;
    bar.update(20 * MB, { rows: 50_000 });
    expect(output().split('\r')).to.have.length(3);
    expect(output()).to.not.contain('\n');
    bar.finish('导入完成：接收 50,000 条');
    expect(output()).to.match(/100% 27\.1 MB\/27\.1 MB 50,000 行 [\d,]+ 行\/秒\u001b\[K\n导入完成：接收 50,000 条\n$/);
  });

  it('prints plain lines at most every 5 seconds when not on a terminal', () => {
    let now = 0;
    const { stream, output } = capture(false);
    const bar = new ProgressBar({ total: 10 * MB, label: '导入中', stream, now: () => now });
    for (let t = 0; t < 12_000; t += 100) {
      now = t;
      bar.update((t / 12_000) * 10 * MB, { rows: t });
    }
    const lines = output().trim().split('\n');
    expect(lines).to.have.length(2); // at 5 s and 10 s
    expect(output()).to.not.contain('\r');
    expect(output()).to.not.contain('[#');
    expect(lines[0]).to.match(/^导入中 41% 4\.2 MB\/10\.0 MB 5,000 行 1,000 行\/秒$/);
    bar.finish('完成');
    expect(output().trim().split('\n').slice(-2)).to.deep.equal(['导入中 100% 10.0 MB/10.0 MB 11,900 行 1,000 行/秒', '完成']);
  });

  it('writes nothing when disabled', () => {
    const { stream, output } = capture(true);
    const bar = new ProgressBar({ total: 100, label: '导入中', stream, enabled: false });
    bar.update(50, '一半');
    bar.finish('完成');
    expect(output()).to.equal('');
  });
});
