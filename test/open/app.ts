import { pino } from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import type { NodeContext } from '../../node/app.ts';
import { createHttpApp } from '../../node/http/app.ts';
import { openAccessOf, type OpenAccess } from '../../node/open/open-access.ts';
import { openRoutes } from '../../node/open/routes.ts';
import { clientsAdminRoutes } from '../../node/open/admin-routes.ts';
import { companyCode, exampleData, penalty } from '../helpers/records.ts';

/** The open API and the clients admin API on a node's store, as the node mounts them. */
export function openApp(ctx: NodeContext, opts: { open?: OpenAccess; signInPerMinute?: number } = {}): { app: Express; open: OpenAccess } {
  const open = opts.open ?? openAccessOf(ctx);
  const app = createHttpApp({
    log: pino({ level: 'silent' }),
    routers: [
      ['/open/v1', openRoutes({ open, signInPerMinute: opts.signInPerMinute ?? 10_000 })],
      ['/api/v1/clients', clientsAdminRoutes({ open, users: ctx.users })],
    ],
  });
  return { app, open };
}

export type Auth = { Authorization: string };

/** A new user's bearer header. */
export async function userAuth(ctx: NodeContext, username: string, role: 'operator' | 'officer' | 'admin' = 'operator'): Promise<Auth> {
  await ctx.users.add({ username, role, password: `${username}-password-1` });
  return { Authorization: `Bearer ${(await ctx.users.signIn(username, `${username}-password-1`)).token}` };
}

/** A registered client: its id, its secret and a fresh token's bearer header. */
export interface TestClient { clientId: string; clientSecret: string; auth: Auth }

let serial = 9000;

export async function register(app: Express, op: Auth, body: Record<string, unknown>): Promise<TestClient> {
  serial += 1;
  const res = await request(app).post('/api/v1/clients').set(op).send({ name: `山东某某信用评级有限公司${serial}`, code: companyCode(serial, '370100'), ...body });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  const { clientId, clientSecret } = res.body as { clientId: string; clientSecret: string };
  return { clientId, clientSecret, auth: await tokenFor(app, clientId, clientSecret) };
}

export async function tokenFor(app: Express, clientId: string, clientSecret: string): Promise<Auth> {
  const res = await request(app).post('/open/v1/token').send({ clientId, clientSecret }).expect(200);
  return { Authorization: `Bearer ${(res.body as { token: string }).token}` };
}

/** A penalty with the legal representative's ID number in its data (never given out). */
export function penaltyWithIds(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return penalty(n, { data: { ...exampleData('administrative_penalty'), legalRepresentativeIdType: '身份证', legalRepresentativeIdNumber: '370102198506121234' }, ...overrides });
}

/** A penalty of a natural person. */
export function personPenalty(n: number, idNumber: string, name = '张某某'): Record<string, unknown> {
  const data = exampleData('administrative_penalty');
  delete data['legalRepresentative'];
  return penalty(n, {
    externalId: `济市监罚〔2026〕个${n}号`,
    subject: { type: 'natural_person', code: idNumber, name },
    data: { ...data, subjectCategory: '自然人', idType: '身份证' },
  });
}

export interface OpenAuditEntry { outcome: string; subject: string | null; count: number; detail: Record<string, unknown> }

/** The open_query audit entries of a client, oldest first. */
export async function openAudit(ctx: NodeContext, clientId: string): Promise<OpenAuditEntry[]> {
  const rows = await ctx.store.knex('audit_log').where({ action: 'open_query', target: clientId }).orderBy('seq').select('subject', 'count', 'detail') as Array<{ subject: string | null; count: number | string; detail: string }>;
  return rows.map((r) => {
    const detail = JSON.parse(r.detail) as Record<string, unknown>;
    return { outcome: String(detail['outcome']), subject: r.subject, count: Number(r.count), detail };
  });
}
