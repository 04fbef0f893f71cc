import { PROVINCES, divisionOf } from '../identity/index.ts';
import type { Config } from '../config/types.ts';

/** Which site a node serves: 信用山东 on the province hub, 信用济南 on the Jinan city node, from the same code. */
export interface SiteInfo {
  /** 信用山东, 信用济南, or config portal.siteName. */
  name: string;
  /** The node's name (the platform that runs the site). */
  operator: string;
  region: string;
  /** 山东省, 济南市. */
  regionName: string;
  /**
   * The region searches and statistics show by default: a city node's own region (its division-code prefix,
   * 3701 for 370100); undefined on the hub and other nodes, which show everything.
   */
  defaultRegionPrefix: string | undefined;
  /** The region of the whole site's province, for the 全省 link of a city site. */
  provinceName: string;
}

/** 山东省 → 山东, 济南市 → 济南, 内蒙古自治区 → 内蒙古, 历下区 → 历下; a two-character name stays whole. */
export function shortRegionName(name: string): string {
  const m = /^(.{2,}?)(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|省|市|区|县)$/.exec(name);
  return m?.[1] ?? name;
}

/** The division-code prefix of a region: 370100 → 3701, 370102 → 370102, 370000 → 37. */
export function regionPrefix(region: string): string {
  if (region.endsWith('0000')) return region.slice(0, 2);
  if (region.endsWith('00')) return region.slice(0, 4);
  return region;
}

export function regionName(code: string | null | undefined): string {
  if (!code) return '';
  return divisionOf(code)?.name ?? PROVINCES[`${code.slice(0, 2)}0000`] ?? code;
}

export function siteOf(config: Pick<Config, 'name' | 'role' | 'region'> & { portal?: { siteName?: string | undefined } }): SiteInfo {
  const name = regionName(config.role === 'city' ? config.region : `${config.region.slice(0, 2)}0000`) || '山东省';
  const province = regionName(`${config.region.slice(0, 2)}0000`) || '山东省';
  return {
    name: config.portal?.siteName ?? `信用${shortRegionName(name)}`,
    operator: config.name,
    region: config.region,
    regionName: config.role === 'city' ? regionName(config.region) : province,
    defaultRegionPrefix: config.role === 'city' ? regionPrefix(config.region) : undefined,
    provinceName: province,
  };
}
