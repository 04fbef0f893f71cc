import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CalendarYearMissing, WorkCalendar, type HolidayYear } from '../../node/disputes/calendar.ts';
import { isCreditNodeError } from '../../node/errors.ts';

const shipped = fileURLToPath(new URL('../../config/calendar', import.meta.url));

/** A table that passes every check, to be broken one field at a time. */
const good = (): HolidayYear => ({
  year: 2026,
  source: '测试',
  holidays: [{ name: '元旦', from: '2026-01-01', to: '2026-01-03' }, { name: '春节', from: '2026-02-15', to: '2026-02-23' }],
  workdays: [{ date: '2026-01-04', name: '元旦调休上班' }],
});

describe('working-day calendar (节假日与调休)', () => {
  const cal = WorkCalendar.load(shipped);

  it('loads the shipped tables', () => {
    expect(cal.years).to.include.members([2025, 2026]);
  });

  it('rests on holidays and works on make-up weekends', () => {
    expect(cal.isWorkingDay('2026-10-01')).to.equal(false);
    expect(cal.isWorkingDay('2026-10-10')).to.equal(true); // Saturday, 国庆节调休上班
    expect(cal.isWorkingDay('2026-09-20')).to.equal(true); // Sunday, 国庆节调休上班
    expect(cal.isWorkingDay('2026-10-11')).to.equal(false); // an ordinary Sunday
    expect(cal.isWorkingDay('2026-10-09')).to.equal(true); // an ordinary Friday
    expect(cal.isWorkingDay('2025-01-26')).to.equal(true); // Sunday, 春节调休上班
    expect(cal.isWorkingDay('2025-10-08')).to.equal(false); // Wednesday inside 国庆节、中秋节
  });

  it('2026-09-30 + 1 working day is 2026-10-08 (10-01…10-07 are 国庆节)', () => {
    expect(cal.addWorkingDays('2026-09-30', 1)).to.equal('2026-10-08');
  });

  it('2026-09-30 + 5 working days is 2026-10-13 (10-08, 10-09, make-up Saturday 10-10, 10-12, 10-13)', () => {
    expect(cal.addWorkingDays('2026-09-30', 5)).to.equal('2026-10-13');
  });

  it('2026-02-13 + 2 working days is 2026-02-24 (make-up Saturday 02-14 is the first, 春节 02-15…02-23 rests)', () => {
    // 02-13 is a Friday and is not counted; 02-14 (Saturday, 春节调休上班) is working day 1; 02-15 to 02-23 are
    // the Spring Festival holiday; 02-24 (Tuesday) is working day 2.
    expect(cal.addWorkingDays('2026-02-13', 2)).to.equal('2026-02-24');
    expect(cal.addWorkingDays('2026-02-13', 1)).to.equal('2026-02-14');
  });

  it('crosses the year end onto a make-up Sunday: 2025-12-31 + 1 is 2026-01-04', () => {
    expect(cal.addWorkingDays('2025-12-31', 1)).to.equal('2026-01-04');
  });

  it('n = 0 returns the day itself, even a holiday', () => {
    expect(cal.addWorkingDays('2026-10-01', 0)).to.equal('2026-10-01');
    expect(cal.addWorkingDaysLenient('2026-10-01', 0)).to.deep.equal({ day: '2026-10-01', provisional: false });
  });

  it('workingDaysBetween agrees with addWorkingDays for many random pairs', () => {
    let seed = 20261001;
    const rand = (k: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % k; };
    const start = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 500; i++) {
      const from = new Date(start + rand(600) * 86_400_000).toISOString().slice(0, 10);
      const n = rand(60);
      const to = cal.addWorkingDays(from, n);
      expect(cal.workingDaysBetween(from, to), `${from} + ${n} = ${to}`).to.equal(n);
      expect(to === from || cal.isWorkingDay(to), `${to} should be a working day`).to.equal(true);
      expect(cal.workingDaysBetween(to, from)).to.equal(0);
    }
  });

  it('refuses a year without a table, and the lenient form counts Monday to Friday and flags it', () => {
    expect(() => cal.isWorkingDay('2027-03-01')).to.throw(CalendarYearMissing, '节假日日历缺少 2027 年');
    try {
      cal.addWorkingDays('2026-12-30', 5);
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(CalendarYearMissing);
      expect((err as CalendarYearMissing).year).to.equal(2027);
      expect((err as Error).message).to.equal('节假日日历缺少 2027 年，请按 config/calendar/README.md 添加');
    }
    expect(() => cal.workingDaysBetween('2026-12-01', '2027-01-05')).to.throw(CalendarYearMissing);
    // 2026-12-30 (Wed) + 5: 12-31 Thu from the table, then 2027 Monday–Friday: 01-01 Fri, 01-04, 01-05, 01-06.
    expect(cal.addWorkingDaysLenient('2026-12-30', 5)).to.deep.equal({ day: '2027-01-06', provisional: true });
    expect(cal.addWorkingDaysLenient('2026-09-30', 5)).to.deep.equal({ day: '2026-10-13', provisional: false });
    // Only the days passed matter: a limit ending on 2026-12-31 is final.
    expect(cal.addWorkingDaysLenient('2026-12-30', 1)).to.deep.equal({ day: '2026-12-31', provisional: false });
    expect(cal.missingYears('2026-12-30', '2028-01-02')).to.deep.equal([2027, 2028]);
    expect(cal.missingYears('2025-01-01', '2026-12-31')).to.deep.equal([]);
    expect(cal.missingYears('2025-06-01', '2024-12-31')).to.deep.equal([2024]);
  });

  it('fromYears builds a calendar from tables in code', () => {
    const c = WorkCalendar.fromYears([good()]);
    expect(c.years).to.deep.equal([2026]);
    expect(c.addWorkingDays('2026-01-01', 1)).to.equal('2026-01-04');
    expect(() => WorkCalendar.fromYears([good(), good()])).to.throw('年份重复');
  });

  describe('a malformed table is refused, naming file and field', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'credit-node-calendar-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const refusal = (name: string, table: unknown): { message: string; details: unknown } => {
      writeFileSync(path.join(dir, name), typeof table === 'string' ? table : JSON.stringify(table));
      try {
        WorkCalendar.load(dir);
      } catch (err) {
        expect(isCreditNodeError(err) && err.code).to.equal('CONFIG_INVALID');
        return { message: (err as Error).message, details: (err as { details: unknown }).details };
      }
      throw new Error('the table was accepted');
    };

    it('a date that does not exist', () => {
      const t = good();
      t.holidays[1] = { name: '春节', from: '2026-02-15', to: '2026-02-30' };
      const r = refusal('2026.json', t);
      expect(r.message).to.match(/2026\.json: holidays\[1\]\.to 日期无效$/);
      expect(r.details).to.deep.include({ path: 'holidays[1].to', message: '日期无效', file: r.message.split(':')[0] });
    });

    it('a make-up working day on a Tuesday', () => {
      const t = good();
      t.workdays.push({ date: '2026-01-06', name: '错误' });
      expect(refusal('2026.json', t).message).to.match(/2026\.json: workdays\[1\]\.date 2026-01-06 是星期二，调休上班日只能是周六或周日$/);
    });

    it('a year that does not match the file name', () => {
      expect(refusal('2027.json', good()).message).to.match(/2027\.json: year 与文件名不符（文件名为 2027\.json）$/);
    });

    it('a make-up working day inside a holiday, a reversed range, a date outside the year: every problem listed', () => {
      const t = good();
      t.holidays.push({ name: '清明节', from: '2026-04-06', to: '2026-04-04' }, { name: '跨年', from: '2025-12-31', to: '2026-01-01' });
      t.workdays.push({ date: '2026-02-15', name: '春节当中' });
      const { message } = refusal('2026.json', t);
      expect(message).to.contain('节假日日历有 3 处错误');
      expect(message).to.contain('2026.json: holidays[2].to 早于开始日期 from');
      expect(message).to.contain('2026.json: holidays[3].from 不在 2026 年内');
      expect(message).to.contain('2026.json: workdays[1].date 落在节假日 holidays[1]（春节）之内');
    });

    it('broken JSON, a missing field, a misnamed file', () => {
      expect(refusal('2026.json', '{"year": 2026,').message).to.match(/2026\.json: 不是合法的 JSON/);
      rmSync(path.join(dir, '2026.json'));
      const { workdays: _, ...noWorkdays } = good();
      expect(refusal('2026.json', noWorkdays).message).to.match(/2026\.json: workdays 应为数组$/);
      rmSync(path.join(dir, '2026.json'));
      expect(refusal('holidays-2026.json', good()).message).to.match(/holidays-2026\.json: 文件名应为 <年份>\.json$/);
    });
  });
});
