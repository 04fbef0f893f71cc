import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { SD_DIVISIONS_2024 } from '../../node/identity/divisions-data.ts';
import {
  PROVINCES,
  cityOf,
  countiesOf,
  currentCityOf,
  divisionOf,
  isKnownRegion,
  isWithin,
  provinceOf,
  shandongCities,
} from '../../node/identity/regions.ts';

describe('identity/regions', () => {
  it('embeds exactly the rows of data/sd-divisions-2024.tsv', () => {
    const tsv = readFileSync(new URL('../../node/identity/data/sd-divisions-2024.tsv', import.meta.url), 'utf8');
    const rows = tsv
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '')
      .map((line) => line.split('\t'));
    expect(SD_DIVISIONS_2024.map((r) => [...r])).to.deep.equal(rows);
  });

  it('lists the 34 province-level divisions', () => {
    expect(Object.keys(PROVINCES)).to.have.length(34);
    expect(PROVINCES['370000']).to.equal('山东省');
    expect(PROVINCES['710000']).to.equal('台湾省');
    expect(PROVINCES['820000']).to.equal('澳门特别行政区');
    for (const code of Object.keys(PROVINCES)) expect(code).to.match(/^[1-8]\d0000$/);
  });

  describe('divisionOf', () => {
    it('knows Shandong counties from the table', () => {
      expect(divisionOf('370102')).to.deep.equal({ code: '370102', name: '历下区', level: 'county', parent: '370100' });
      expect(divisionOf('370116')).to.include({ name: '莱芜区', parent: '370100' });
      expect(divisionOf('370117')).to.include({ name: '钢城区', parent: '370100' });
      expect(divisionOf('370000')).to.deep.equal({ code: '370000', name: '山东省', level: 'province' });
    });

    it('knows 莱芜市 371200 as a historical city', () => {
      expect(divisionOf('371200')).to.include({ name: '莱芜市', level: 'city', historical: true, successor: '370100' });
      expect(divisionOf('371202')).to.include({ level: 'county', parent: '371200', historical: true });
    });

    it('knows other provinces only at province level', () => {
      expect(divisionOf('110000')).to.deep.equal({ code: '110000', name: '北京市', level: 'province' });
      expect(divisionOf('110105')).to.equal(undefined);
      expect(divisionOf('379999')).to.equal(undefined);
    });

    it('hands out copies', () => {
      const d = divisionOf('370102');
      if (d !== undefined) d.name = 'changed';
      expect(divisionOf('370102')?.name).to.equal('历下区');
    });
  });

  it('isKnownRegion accepts any 6 digits inside a real province, retired codes included', () => {
    for (const code of ['370102', '370181', '372801', '371202', '110105', '710000', '820000']) {
      expect(isKnownRegion(code), code).to.equal(true);
    }
    for (const code of ['990000', '100000', '000000', '830000', '3701', '37010A', '']) {
      expect(isKnownRegion(code), code).to.equal(false);
    }
    expect(provinceOf('370102')).to.equal('370000');
  });

  it('cityOf and currentCityOf', () => {
    expect(cityOf('370102')).to.equal('370100');
    expect(cityOf('370100')).to.equal('370100');
    expect(cityOf('371202')).to.equal('371200');
    expect(cityOf('370000')).to.equal(undefined);
    expect(cityOf('110105')).to.equal('110100');
    expect(cityOf('990102')).to.equal(undefined);
    expect(currentCityOf('371202')).to.equal('370100');
    expect(currentCityOf('370212')).to.equal('370200');
  });

  it('isWithin tests region prefixes', () => {
    expect(isWithin('370102', '3701')).to.equal(true);
    expect(isWithin('370102', '370100')).to.equal(true);
    expect(isWithin('370102', '37')).to.equal(true);
    expect(isWithin('370102', '370000')).to.equal(true);
    expect(isWithin('370102', '370102')).to.equal(true);
    expect(isWithin('370102', '3702')).to.equal(false);
    expect(isWithin('371202', '3701')).to.equal(false);
    expect(isWithin('370102', '370103')).to.equal(false);
    expect(isWithin('370102', '')).to.equal(false);
    expect(isWithin('370102', '370')).to.equal(false);
    expect(isWithin('3701', '37')).to.equal(false);
  });

  it('shandongCities lists the 16 current cities', () => {
    const cities = shandongCities();
    expect(cities.map((c) => c.code)).to.deep.equal([
      '370100', '370200', '370300', '370400', '370500', '370600', '370700', '370800',
      '370900', '371000', '371100', '371300', '371400', '371500', '371600', '371700',
    ]);
    expect(cities[0]).to.include({ name: '济南市', level: 'city', parent: '370000' });
  });

  it('countiesOf lists the counties of a city', () => {
    const jinan = countiesOf('370100').map((d) => d.code);
    expect(jinan).to.have.length(12);
    expect(jinan).to.include.members(['370102', '370116', '370117']);
    expect(countiesOf('371200').map((d) => d.name)).to.deep.equal(['莱城区', '钢城区']);
    expect(countiesOf('370102')).to.deep.equal([]);
    const total = shandongCities().reduce((n, c) => n + countiesOf(c.code).length, 0);
    expect(total).to.equal(136);
  });
});
