import { expect } from 'chai';
import request from 'supertest';
import express, { Router } from 'express';
import { pino } from 'pino';
import { createHttpApp } from '../../node/http/app.ts';
import { ApiSchemas } from '../../node/openapi/api-schemas.ts';
import { validateBody } from '../../node/http/validate-body.ts';

const good = { recordId: 'a1b2c3', reason: 'wrong', description: '处罚决定书载明的罚款金额与公示的金额不一致。', claimant: { name: '张经理', phone: '0531-88886666' } };

describe('validateBody', () => {
  const seen: unknown[] = [];
  const r = Router();
  // As the ticket routes mount it: after the JSON parser and after a multipart reader that leaves req.body alone.
  r.post('/objections', express.json(), validateBody('objection-request'), (req, res) => {
    seen.push(req.is('multipart/form-data') ? 'multipart' : req.body);
    res.status(201).json({ ok: true });
  });
  const app = createHttpApp({ log: pino({ level: 'silent' }), routers: [['/public/v1', r]], ownBodies: ['/public/v1/objections'] });
  beforeEach(() => { seen.length = 0; });

  it('refuses a bad JSON objection with 400 BAD_REQUEST, naming each field in Chinese', async () => {
    const res = await request(app).post('/public/v1/objections')
      .send({ recordId: 7, reason: 'because', description: '太短', claimant: { name: '', phone: 'call me' }, evidenceFiles: [{ name: 'a.pdf' }], note: 'x' })
      .expect(400);
    expect(res.body.error.code).to.equal('BAD_REQUEST');
    const details = res.body.error.details as Array<{ path: string; message: string }>;
    const byPath = Object.fromEntries(details.map((d) => [d.path, d.message]));
    expect(byPath).to.deep.equal({
      recordId: '信用记录编号须为文本',
      reason: '异议类型须为 wrong、missing、duplicated、not_public、overdue、inconsistent 之一',
      description: '异议理由及说明至少 10 个字',
      'claimant.name': '请填写联系人姓名',
      'claimant.phone': '联系电话格式不正确：只能包含数字、空格、+ 和 -，7 到 20 位',
      'evidenceFiles[0].content': '请填写文件内容',
      note: '未知字段：note',
    });
    expect(res.body.error.message).to.include('异议类型').and.include('联系电话');
    expect(seen).to.deep.equal([]);
  });

  it('names missing fields, nested ones too, and a body that is not an object', async () => {
    const missing = await request(app).post('/public/v1/objections').send({ recordId: 'a1', claimant: {} }).expect(400);
    expect(missing.body.error.details.map((d: { path: string }) => d.path).sort()).to.deep.equal(['claimant.name', 'claimant.phone', 'description', 'reason']);
    expect(missing.body.error.details.find((d: { path: string }) => d.path === 'reason').message).to.equal('请填写异议类型');
    const list = await request(app).post('/public/v1/objections').send([good]).expect(400);
    expect(list.body.error.message).to.equal('请求体须为 JSON 对象');
    const wrongType = await request(app).post('/public/v1/objections').send({ ...good, claimant: '张经理' }).expect(400);
    expect(wrongType.body.error.details).to.deep.equal([{ path: 'claimant', message: '联系人须为对象' }]);
  });

  it('passes a good JSON body on untouched, and leaves other bodies (multipart) to the route', async () => {
    await request(app).post('/public/v1/objections').send({ ...good, subjectCode: null, evidenceFiles: null }).expect(201);
    expect(seen).to.deep.equal([{ ...good, subjectCode: null, evidenceFiles: null }]);
    await request(app).post('/public/v1/objections').field('recordId', 'a1').field('reason', 'nonsense').expect(201);
    expect(seen[1]).to.equal('multipart');
  });

  it('compiles each schema once, in one Ajv instance, and knows its schemas at start', () => {
    const schemas = ApiSchemas.load();
    expect(ApiSchemas.load()).to.equal(schemas);
    expect(schemas.validator('objection-request')).to.equal(schemas.validator('objection-request'));
    expect(() => validateBody('no-such-body')).to.throw(/no-such-body/);
  });
});
