import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { pino } from 'pino';
import { Router, type Express } from 'express';
import { createHttpApp } from '../../node/http/app.ts';
import { DEFAULT_EVIDENCE } from '../../node/config/load.ts';
import { isCreditNodeError, type CreditNodeError } from '../../node/errors.ts';
import {
  checkEvidence, cleanEvidenceName, evidenceForEvent, evidenceFromEvent, evidenceFromJson, evidenceMeta, sniffEvidenceType,
  type EvidenceFileInput, type EvidenceLimits,
} from '../../node/disputes/evidence.ts';
import { ticketUpload } from '../../node/http/evidence-upload.ts';

const MiB = 1024 * 1024;
const limits: EvidenceLimits = { ...DEFAULT_EVIDENCE };

const pdf = (size = 64): Buffer => Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.alloc(Math.max(0, size - 9), 0x41)]);
const png = (size = 64): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(Math.max(0, size - 8), 7)]);
const jpeg = (size = 64): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(Math.max(0, size - 4), 9)]);
const exe = (size = 64): Buffer => Buffer.concat([Buffer.from('MZ', 'latin1'), Buffer.alloc(Math.max(0, size - 2), 0x90)]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The error a function throws (it must throw one of the node's). */
function thrown(fn: () => unknown): CreditNodeError {
  try {
    fn();
  } catch (err) {
    if (isCreditNodeError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

interface Seen { status?: number; body: string; error?: NodeJS.ErrnoException; wrote: number }

function testApp(): Express {
  const r = Router();
  r.post('/tickets', ticketUpload(limits), (req, res) => {
    const upload = req.ticketUpload ?? { fields: {}, files: [] };
    res.status(201).json({ fields: upload.fields, files: evidenceMeta(checkEvidence(upload.files, limits)) });
  });
  return createHttpApp({ log: pino({ level: 'silent' }), routers: [['/', r]] });
}

describe('evidence files', () => {
  describe('checkEvidence', () => {
    it('decides the type by the content and describes each file', () => {
      const files = checkEvidence([{ name: 'a.pdf', type: 'application/pdf', data: pdf(100) }, { name: 'b.png', data: png(50) }], limits);
      expect(evidenceMeta(files)).to.deep.equal([
        { name: 'a.pdf', type: 'application/pdf', size: 100, sha256: sha256(pdf(100)) },
        { name: 'b.png', type: 'image/png', size: 50, sha256: sha256(png(50)) },
      ]);
      expect(sniffEvidenceType(jpeg())).to.equal('image/jpeg');
      expect(sniffEvidenceType(Buffer.from('%PDF'))).to.equal(undefined);
      // A generic or old-fashioned declared type is no contradiction.
      expect(checkEvidence([{ name: 'c.jpg', type: 'image/jpg', data: jpeg() }, { name: 'd', type: 'application/octet-stream', data: pdf() }], limits).map((f) => f.type))
        .to.deep.equal(['image/jpeg', 'application/pdf']);
    });

    it('lists every problem with its path, in Chinese', () => {
      const err = thrown(() => checkEvidence([
        { name: 'ok.pdf', data: pdf() },
        { name: 'setup.pdf', type: 'application/pdf', data: exe() },
        { name: 'photo.png', type: 'image/png', data: jpeg() },
        { name: 'empty.pdf', data: Buffer.alloc(0) },
        { name: 'big.pdf', data: pdf(limits.maxFileBytes + 1) },
      ], limits));
      expect(err.code).to.equal('BAD_REQUEST');
      expect(err.status).to.equal(400);
      const details = err.details as Array<{ path: string; message: string }>;
      expect(details.map((d) => d.path)).to.deep.equal(['evidenceFiles[1]', 'evidenceFiles[2]', 'evidenceFiles[3]', 'evidenceFiles[4]']);
      expect(details[0]?.message).to.contain('setup.pdf').and.contain('类型不允许').and.contain('PDF、JPEG、PNG');
      expect(details[1]?.message).to.contain('image/png').and.contain('JPEG').and.contain('不符');
      expect(details[2]?.message).to.contain('空文件');
      expect(details[3]?.message).to.equal('「big.pdf」超过单个文件 2 MB 的上限（2097153 字节）');
      expect(err.message).to.contain('证明材料不符合要求');
    });

    it('refuses more files than allowed, and a total over the limit', () => {
      const six = Array.from({ length: 6 }, (_, i): EvidenceFileInput => ({ name: `${i}.png`, data: png() }));
      const many = thrown(() => checkEvidence(six, limits));
      expect(many.details).to.deep.equal([{ path: 'evidenceFiles', message: '证明材料最多 5 个文件（收到 6 个）' }]);
      const heavy = Array.from({ length: 3 }, (_, i): EvidenceFileInput => ({ name: `${i}.pdf`, data: pdf(2 * MiB) }));
      const total = thrown(() => checkEvidence(heavy, limits));
      expect(total.details).to.deep.equal([{ path: 'evidenceFiles', message: '证明材料合计不能超过 5 MB（收到 6 MB）' }]);
    });

    it('keeps only a clean base name', () => {
      const names = checkEvidence([
        { name: '../../etc/passwd.pdf', data: pdf() },
        { name: 'C:\\Users\\张三\\Desktop\\缴款凭证.jpg', data: jpeg() },
        { name: 'scan\u0000\u0007\n\u202egpj.exe', data: png() },
        { name: '', data: png() },
        { name: 'dir/', data: pdf() },
        { name: `${'长'.repeat(150)}.pdf`, data: pdf() },
      ], { ...limits, maxFiles: 10 }).map((f) => f.name);
      expect(names.slice(0, 5)).to.deep.equal(['passwd.pdf', '缴款凭证.jpg', 'scangpj.exe', '证明材料-4.png', '证明材料-5.pdf']);
      expect(Array.from(names[5] ?? '')).to.have.length(100);
      expect(names[5]).to.match(/^长+\.pdf$/);
      expect(cleanEvidenceName('..', 0, undefined)).to.equal('证明材料-1.bin');
    });
  });

  describe('the JSON form', () => {
    const b64 = (b: Buffer) => b.toString('base64');

    it('reads [{ name, type, content }] like the form does', () => {
      const files = evidenceFromJson([{ name: 'a.pdf', type: 'application/pdf', content: b64(pdf()) }, { name: 'b.png', content: b64(png()) }], limits);
      expect(evidenceMeta(files)).to.deep.equal(evidenceMeta(checkEvidence([{ name: 'a.pdf', data: pdf() }, { name: 'b.png', data: png() }], limits)));
      expect(files[0]?.data.equals(pdf())).to.equal(true);
      expect(evidenceFromJson(undefined, limits)).to.deep.equal([]);
    });

    it('refuses what is not a list of files, and invalid base64', () => {
      expect(thrown(() => evidenceFromJson({ name: 'a.pdf' }, limits)).details).to.deep.equal([{ path: 'evidenceFiles', message: '证明材料应为数组：[{ name, type, content（base64） }]' }]);
      const err = thrown(() => evidenceFromJson(['a.pdf', { name: 'b.pdf' }, { name: 'c.pdf', content: '%%%not base64%%%' }, { name: 'd.pdf', content: 'QUJD=' }], limits));
      const details = err.details as Array<{ path: string; message: string }>;
      expect(details.map((d) => d.path)).to.deep.equal(['evidenceFiles[0]', 'evidenceFiles[1]', 'evidenceFiles[2]', 'evidenceFiles[3]']);
      expect(details[2]?.message).to.equal('文件内容（content）不是合法的 base64');
      expect(details[3]?.message).to.equal('文件内容（content）不是合法的 base64');
    });

    it('refuses oversized content by its length, before decoding it', () => {
      // Valid base64 of 2 MiB + 1 bytes, by length alone.
      const big = 'A'.repeat(4 * 699_051);
      // Watch Buffer.from for a base64 decode while the content is refused.
      const from = Buffer.from;
      let decoded = 0;
      const watched = Buffer as unknown as { from: (...args: unknown[]) => Buffer };
      watched.from = (...args: unknown[]) => {
        if (args[1] === 'base64') decoded++;
        return Reflect.apply(from, Buffer, args) as Buffer;
      };
      let err: CreditNodeError;
      try {
        err = thrown(() => evidenceFromJson([{ name: 'big.pdf', content: big }], limits));
      } finally {
        Buffer.from = from;
      }
      expect(decoded).to.equal(0);
      expect(err.details).to.deep.equal([{ path: 'evidenceFiles[0]', message: '「big.pdf」超过单个文件 2 MB 的上限（2097153 字节）' }]);
      const parts = Array.from({ length: 3 }, (_, i) => ({ name: `${i}.pdf`, content: 'A'.repeat(4 * 699_050) }));
      const total = thrown(() => evidenceFromJson(parts, limits));
      expect(total.details).to.deep.equal([{ path: 'evidenceFiles', message: '证明材料合计不能超过 5 MB（收到 6 MB）' }]);
      expect(thrown(() => evidenceFromJson(Array.from({ length: 6 }, () => ({ name: 'x.png', content: b64(png()) })), limits)).details)
        .to.deep.equal([{ path: 'evidenceFiles', message: '证明材料最多 5 个文件（收到 6 个）' }]);
    });
  });

  describe('in the event', () => {
    it('goes into the create event and comes back checked against its digest', () => {
      const files = checkEvidence([{ name: '凭证.pdf', data: pdf(300) }, { name: 'p.jpg', data: jpeg(200) }], limits);
      const body = JSON.parse(JSON.stringify({ evidenceFiles: evidenceForEvent(files) })) as { evidenceFiles: Array<Record<string, unknown>> };
      expect(body.evidenceFiles[0]).to.include({ name: '凭证.pdf', type: 'application/pdf', size: 300, sha256: sha256(pdf(300)), content: pdf(300).toString('base64') });
      expect(evidenceFromEvent(body.evidenceFiles)).to.deep.equal(files);

      const changed = Buffer.from(body.evidenceFiles[1]?.['content'] as string, 'base64');
      changed[100] = (changed[100] ?? 0) ^ 1;
      const tampered = structuredClone(body.evidenceFiles);
      (tampered[1] as Record<string, unknown>)['content'] = changed.toString('base64');
      const err = thrown(() => evidenceFromEvent(tampered));
      expect(err.code).to.equal('EVENT_TAMPERED');
      expect(err.details).to.deep.equal([{ path: 'evidenceFiles[1]', message: '「p.jpg」的内容与其数字摘要不一致' }]);
      expect(thrown(() => evidenceFromEvent([{ ...body.evidenceFiles[0], type: 'image/png' }])).code).to.equal('EVENT_TAMPERED');
      expect(evidenceMeta(files)[0]).to.deep.equal({ name: '凭证.pdf', type: 'application/pdf', size: 300, sha256: sha256(pdf(300)) });
    });
  });

  describe('the multipart upload', () => {
    let app: Express;
    before(() => { app = testApp(); });

    it('accepts a PDF and a PNG with their text fields, with the right digest and size', async () => {
      const res = await request(app).post('/tickets')
        .field('recordId', 'r-1').field('description', '处罚已履行完毕，申请修复')
        .attach('evidenceFiles', pdf(1000), { filename: '缴款凭证.pdf', contentType: 'application/pdf' })
        .attach('evidenceFiles', png(2 * MiB), { filename: 'C:\\fakepath\\回执.png', contentType: 'image/png' })
        .expect(201);
      expect(res.body).to.deep.equal({
        fields: { recordId: 'r-1', description: '处罚已履行完毕，申请修复' },
        files: [
          { name: '缴款凭证.pdf', type: 'application/pdf', size: 1000, sha256: sha256(pdf(1000)) },
          { name: '回执.png', type: 'image/png', size: 2 * MiB, sha256: sha256(png(2 * MiB)) },
        ],
      });
    });

    it('refuses an executable renamed .pdf, and a declared type the content contradicts', async () => {
      const exeRes = await request(app).post('/tickets').attach('evidenceFiles', exe(), { filename: 'scan.pdf', contentType: 'application/pdf' }).expect(400);
      expect(exeRes.body.error.code).to.equal('BAD_REQUEST');
      expect(exeRes.body.error.details).to.deep.equal([{ path: 'evidenceFiles[0]', message: '「scan.pdf」的文件类型不允许：只接受 PDF、JPEG、PNG（按文件内容判断，不看文件名）' }]);
      const mixed = await request(app).post('/tickets').attach('evidenceFiles', jpeg(), { filename: 'photo.png', contentType: 'image/png' }).expect(400);
      expect(mixed.body.error.details).to.deep.equal([{ path: 'evidenceFiles[0]', message: '「photo.png」声明的类型（image/png）与文件内容（JPEG）不符' }]);
    });

    it('refuses an empty file, but not an empty file input', async () => {
      const res = await request(app).post('/tickets').attach('evidenceFiles', Buffer.alloc(0), { filename: 'empty.pdf', contentType: 'application/pdf' }).expect(400);
      expect(res.body.error.details).to.deep.equal([{ path: 'evidenceFiles[0]', message: '「empty.pdf」是空文件' }]);
      const none = await request(app).post('/tickets').field('recordId', 'r-2').attach('evidenceFiles', Buffer.alloc(0), { filename: '', contentType: 'application/octet-stream' }).expect(201);
      expect(none.body).to.deep.equal({ fields: { recordId: 'r-2' }, files: [] });
    });

    it('answers 413 for 6 files, a file of 2 MiB + 1, and a total over 5 MiB', async () => {
      let six = request(app).post('/tickets');
      for (let i = 0; i < 6; i++) six = six.attach('evidenceFiles', png(), { filename: `${i}.png`, contentType: 'image/png' });
      const many = await six.expect(413);
      expect(many.body.error).to.deep.equal({ code: 'PAYLOAD_TOO_LARGE', message: '证明材料最多 5 个文件', details: [] });

      const big = await request(app).post('/tickets').attach('evidenceFiles', pdf(2 * MiB + 1), { filename: 'big.pdf', contentType: 'application/pdf' }).expect(413);
      expect(big.body.error).to.deep.equal({ code: 'PAYLOAD_TOO_LARGE', message: '证明材料单个文件不能超过 2 MB', details: [] });

      let heavy = request(app).post('/tickets');
      for (let i = 0; i < 3; i++) heavy = heavy.attach('evidenceFiles', pdf(2 * MiB), { filename: `${i}.pdf`, contentType: 'application/pdf' });
      const total = await heavy.expect(413);
      expect(total.body.error.message).to.equal('证明材料合计不能超过 5 MB');

      // The connection is still good for the next request.
      await request(app).post('/tickets').attach('evidenceFiles', pdf(), { filename: 'a.pdf' }).expect(201);
    });

    it('refuses a field given twice or too long, a file in another field, and a malformed body', async () => {
      const twice = await request(app).post('/tickets').field('recordId', 'a').field('recordId', 'b').expect(400);
      expect(twice.body.error.details).to.deep.equal([{ path: 'recordId', message: '字段「recordId」重复出现' }]);
      const long = await request(app).post('/tickets').field('description', '长'.repeat(5001)).expect(400);
      expect(long.body.error.details).to.deep.equal([{ path: 'description', message: '「description」不能超过 5000 个字符' }]);
      const other = await request(app).post('/tickets').attach('photo', png(), { filename: 'a.png' }).expect(400);
      expect(other.body.error.details[0].path).to.equal('photo');
      const cut = await request(app).post('/tickets').set('content-type', 'multipart/form-data; boundary=xyz').send('--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nhalf').expect(400);
      expect(cut.body.error.code).to.equal('BAD_REQUEST');
      const noBoundary = await request(app).post('/tickets').set('content-type', 'multipart/form-data').send('x').expect(400);
      expect(noBoundary.body.error.message).to.contain('multipart/form-data');
    });

    it('takes a JSON or urlencoded body as fields and no files', async () => {
      const res = await request(app).post('/tickets').send({ recordId: 'r-3', urgent: true, claimant: { name: '张三' }, evidenceFiles: [{ name: 'a.pdf', content: 'JVBERi0=' }] }).expect(201);
      expect(res.body).to.deep.equal({ fields: { recordId: 'r-3', urgent: 'true' }, files: [] });
      const long = await request(app).post('/tickets').send({ description: 'x'.repeat(5001) }).expect(400);
      expect(long.body.error.details[0].path).to.equal('description');
    });

    describe('over a raw connection', () => {
      let server: http.Server;
      let port: number;
      before(async () => {
        server = http.createServer(app);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        port = (server.address() as AddressInfo).port;
      });
      after(async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      });

      /** Posts one file of `size` bytes in 64 KiB writes, with or without a length; resolves with what the client saw. */
      function post(size: number, opts: { chunked?: boolean; agent?: http.Agent } = {}): Promise<Seen> {
        const boundary = '----evidence-test';
        const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="evidenceFiles"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
        const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
        const body = Buffer.concat([head, pdf(size), tail]);
        return new Promise((resolve) => {
          const seen: Seen = { body: '', wrote: 0 };
          let responded = false;
          let sent = false;
          const finish = () => { if ((responded && sent) || seen.error) resolve(seen); };
          const req = http.request({
            host: '127.0.0.1', port, method: 'POST', path: '/tickets', agent: opts.agent ?? false,
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(opts.chunked ? {} : { 'content-length': body.length }) },
          }, (res) => {
            seen.status = res.statusCode ?? 0;
            res.setEncoding('utf8');
            res.on('data', (c: string) => { seen.body += c; });
            res.on('end', () => { responded = true; finish(); });
          });
          req.on('error', (err: NodeJS.ErrnoException) => { seen.error = err; finish(); });
          const write = () => {
            while (seen.wrote < body.length && !seen.error) {
              const chunk = body.subarray(seen.wrote, seen.wrote + 64 * 1024);
              seen.wrote += chunk.length;
              if (!req.write(chunk)) {
                req.once('drain', write);
                return;
              }
            }
            if (!seen.error) req.end(() => { sent = true; finish(); });
          };
          write();
        });
      }
      const refused = { error: { code: 'PAYLOAD_TOO_LARGE', message: '证明材料单个文件不能超过 2 MB', details: [] } };

      it('answers a 3 MB file with 413 and its JSON body, not a reset', async () => {
        const seen = await post(3 * 1000 * 1000);
        expect(seen.error, seen.error?.code).to.equal(undefined);
        expect(seen.status).to.equal(413);
        expect(JSON.parse(seen.body)).to.deep.equal(refused);
      });

      it('answers 413 cleanly also when the rest does not fit in socket buffers, with or without keep-alive', async () => {
        // 9 MB is under the cap (twice the total limit): read to the end, then answered.
        const closing = await post(9 * 1000 * 1000, { chunked: true });
        expect(closing.error, closing.error?.code).to.equal(undefined);
        expect([closing.status, JSON.parse(closing.body)]).to.deep.equal([413, refused]);
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          for (const size of [9 * 1000 * 1000, 3 * 1000 * 1000]) {
            const seen = await post(size, { agent });
            expect(seen.error, seen.error?.code).to.equal(undefined);
            expect([seen.status, JSON.parse(seen.body)]).to.deep.equal([413, refused]);
          }
        } finally {
          agent.destroy();
        }
      });

      it('cuts a connection that sends, or announces, more than twice the total limit', async () => {
        const size = 40 * MiB;
        for (const chunked of [false, true]) {
          const seen = await post(size, { chunked });
          // Answered at once (the client may still read the 413), then cut: the client never sends it all.
          expect(seen.error?.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
          expect(seen.wrote).to.be.below(size);
          if (seen.status !== undefined) expect(JSON.parse(seen.body).error.code).to.equal('PAYLOAD_TOO_LARGE');
        }
      });
    });
  });
});
