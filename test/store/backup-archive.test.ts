import { expect } from 'chai';
import { BLOCK, paddingOf, parseTarHeader, tarHeader } from '../../node/store/backup-archive.ts';
import { backupFileName, expiredBackups, isEmptyStore, manifestProblems, summaryDifferences, type StoreSummary } from '../../node/store/backup-manifest.ts';
import { pgEnv, schemaRewriter } from '../../node/store/backup-pg.ts';

describe('backup file helpers', () => {
  it('writes ustar headers that read back, large sizes in base-256, and notices a changed byte', () => {
    const h = tarHeader({ name: 'store.sqlite.gz', size: 12345, mtime: 1_780_000_000, mode: 0o600 });
    expect(h).to.have.length(BLOCK);
    expect(parseTarHeader(h)).to.deep.equal({ name: 'store.sqlite.gz', size: 12345, mtime: 1_780_000_000, mode: 0o600 });
    const big = 20 * 1024 ** 3;
    expect(parseTarHeader(tarHeader({ name: 'store.sql.gz', size: big, mtime: 0, mode: 0o600 })).size).to.equal(big);
    const bad = Buffer.from(h);
    bad[10] = 0x41;
    expect(() => parseTarHeader(bad)).to.throw(/checksum/);
    expect(() => parseTarHeader(Buffer.alloc(BLOCK))).to.throw(/ustar/);
    expect([paddingOf(0), paddingOf(1), paddingOf(512), paddingOf(513)]).to.deep.equal([0, 511, 0, 511]);
  });

  it('names backups by node and UTC time and keeps the newest', () => {
    const names = ['2', '1', '4', '3'].map((d) => backupFileName('city-jinan', new Date(`2026-03-0${d}T18:30:00Z`)));
    expect(names[1]).to.equal('city-jinan-20260301T183000.000Z.tar');
    const all = [...names, 'city-jinan-x-20260301T183000.000Z.tar', 'notes.txt', 'city-jinan-20260301T183000.000Z.tar.partial'];
    expect(expiredBackups('city-jinan', all, 2)).to.deep.equal([names[1], names[0]]);
    expect(expiredBackups('city-jinan', all, 10)).to.deep.equal([]);
  });

  it('checks a manifest and compares a store with it', () => {
    const s: StoreSummary = { heads: { a: { seq: 3, hash: 'h3' } }, counts: { events: 3, records: 2, subjects: 2, auditEntries: 4 }, audit: { seq: 4, hash: 'x' }, migration: 'm' };
    expect(summaryDifferences(s, structuredClone(s))).to.deep.equal([]);
    const other = structuredClone(s);
    other.heads['a'] = { seq: 2, hash: 'h2' };
    other.counts.records = 1;
    expect(summaryDifferences(s, other)).to.have.length(2);
    expect(isEmptyStore(s)).to.equal(false);
    expect(isEmptyStore({ heads: {}, counts: { events: 0, records: 0, subjects: 0, auditEntries: 0 }, audit: null, migration: 'm' })).to.equal(true);
    expect(manifestProblems({ format: 'credit-node-backup', version: 2 }).join()).to.match(/不支持的备份格式版本 2/);
  });

  it('moves a dump to another schema: only its own relations, never COPY data', () => {
    const rewrite = schemaRewriter('public', 'staging_1', ['subjects', 'records_id_seq', 'records']);
    const lines = [
      'CREATE SCHEMA public;',
      'CREATE TABLE public.records (',
      "ALTER TABLE ONLY public.records ALTER COLUMN id SET DEFAULT nextval('public.records_id_seq'::regclass);",
      'CREATE INDEX subjects_name_trgm ON public.subjects USING gin (name public.gin_trgm_ops);',
      'COPY public.records (id, name) FROM stdin;',
      '1\tpublic.records 不改',
      '\\.',
      "SELECT pg_catalog.setval('public.records_id_seq', 42, true);",
    ].map(rewrite);
    expect(lines).to.deep.equal([
      null,
      'CREATE TABLE staging_1.records (',
      "ALTER TABLE ONLY staging_1.records ALTER COLUMN id SET DEFAULT nextval('staging_1.records_id_seq'::regclass);",
      'CREATE INDEX subjects_name_trgm ON staging_1.subjects USING gin (name public.gin_trgm_ops);',
      'COPY staging_1.records (id, name) FROM stdin;',
      '1\tpublic.records 不改',
      '\\.',
      "SELECT pg_catalog.setval('staging_1.records_id_seq', 42, true);",
    ]);
  });

  it('passes the connection to the PostgreSQL tools as libpq variables', () => {
    const env = pgEnv('postgres://ops:p%40ss@db.example:5433/credit?sslmode=require', { PATH: '/bin', PGSERVICE: 'x' });
    expect(env).to.deep.equal({ PATH: '/bin', PGHOST: 'db.example', PGPORT: '5433', PGUSER: 'ops', PGPASSWORD: 'p@ss', PGDATABASE: 'credit', PGSSLMODE: 'require' });
  });
});
