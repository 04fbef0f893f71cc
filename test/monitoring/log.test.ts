import { Writable } from 'node:stream';
import { expect } from 'chai';
import { censorSecrets, createLogger } from '../../node/log.ts';

/** The node's logger writing into an array of parsed lines. */
function nodeLogger(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger('test-node', 'info', stream), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('the node log: secrets never reach a line', () => {
  it('censors password, token, authorization and secret in the logged object and one level down, leaving the rest', async () => {
    const { log, lines } = nodeLogger();
    log.info({ password: 'p4ss', token: 'eyJ.top', user: { name: '张三', password: 'inner' }, headers: { authorization: 'Bearer abc', accept: 'json' }, client: { secret: 's3' }, status: 200, path: '/api/v1/subjects/x' }, 'signed in');
    await flush();
    const [line] = lines;
    expect(line).to.include({ node: 'test-node', msg: 'signed in', password: '[redacted]', token: '[redacted]', status: 200, path: '/api/v1/subjects/x' });
    expect(line?.['user']).to.deep.equal({ name: '张三', password: '[redacted]' });
    expect(line?.['headers']).to.deep.equal({ authorization: '[redacted]', accept: 'json' });
    expect(line?.['client']).to.deep.equal({ secret: '[redacted]' });
    expect(JSON.stringify(lines)).not.to.match(/p4ss|eyJ\.top|inner|Bearer abc|s3"/);
  });

  it('never changes the caller\'s objects, and copies nothing when there is no secret', () => {
    const user = { name: '李四', password: 'p' };
    const logged = { user, count: 3 };
    const out = censorSecrets(logged);
    expect(user.password).to.equal('p');
    expect(logged.user).to.equal(user);
    expect(out['user']).to.deep.equal({ name: '李四', password: '[redacted]' });
    const plain = { reqId: 'r1', method: 'GET', route: '/api/v1/subjects/:code', status: 200, ms: 1.5, list: [{ password: 'two levels' }] };
    expect(censorSecrets(plain)).to.equal(plain);
  });

  it('keeps an error\'s message and stack when it carries a secret', async () => {
    const { log, lines } = nodeLogger();
    const err = Object.assign(new Error('连接失败'), { token: 'leaked' });
    log.error({ err }, 'push failed');
    await flush();
    const logged = lines[0]?.['err'] as Record<string, unknown>;
    expect(logged).to.include({ type: 'Error', message: '连接失败', token: '[redacted]' });
    expect(String(logged['stack'])).to.contain('连接失败');
    expect(err.token).to.equal('leaked');
  });

  it('censors a child logger\'s bindings, and its children\'s', async () => {
    const { log, lines } = nodeLogger();
    const child = log.child({ reqId: 'r2', token: 'child-secret' });
    child.info('request');
    child.child({ peer: { id: 'city-jinan', secret: 'grandchild-secret' } }).warn('push');
    await flush();
    expect(lines[0]).to.include({ reqId: 'r2', token: '[redacted]', node: 'test-node' });
    expect(lines[1]?.['peer']).to.deep.equal({ id: 'city-jinan', secret: '[redacted]' });
    expect(JSON.stringify(lines)).not.to.match(/child-secret|grandchild-secret/);
  });
});
