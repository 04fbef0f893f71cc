import type { Principal } from './roles.ts';
import { can } from './roles.ts';
import { Forbidden, BadRequest, PurposeRequired } from '../errors.ts';
import type { Publicity } from '../records/types.ts';

/**
 * Who may see which record (DESIGN.md §5: 按照用户的不同权限，依法依规，提供查询). A user's scope is a set of
 * region prefixes and sectors; empty means the whole node. By the record's publicity level:
 *   public     社会公开  every reader;
 *   shared     政务共享  readers whose regions cover the subject's region (any sector);
 *   restricted 授权查询  readers whose regions cover the subject's region and whose sectors cover the record's.
 * A clerk reads only the records of their own source unit; an auditor reads no records (only the audit log).
 * An officer of 济南市税务局 (regions 3701, sector tax) thus sees Jinan's tax records whatever their level,
 * Jinan's shared records of other sectors, and of Qingdao only what is public.
 */
export interface ScopedRecord {
  /** The subject's division code (6 digits), when known. */
  region: string | null;
  publicity: Publicity | string;
  category: string;
  origin: string;
  sourceUnit: string;
}

/** The sector a category belongs to when the record's origin node has none (a city platform, the hub). */
export const CATEGORY_SECTORS: Readonly<Record<string, string>> = {
  tax_credit_rating: 'tax',
  court_enforcement: 'court',
  environmental: 'environment',
  energy_saving: 'environment',
  registration: 'market',
  abnormal_operation_list: 'market',
  construction: 'housing',
  bidding: 'development',
  professional_qualification: 'human_resources',
  annual_assessment: 'civil_affairs',
};

export class ScopePolicy {
  /** @param sectors the sector of each node of the directory (none for city platforms and the hub). */
  constructor(private readonly sectors: () => Promise<ReadonlyMap<string, string | null>>) {}

  /** A predicate for one principal's reads, with the directory's sectors read once. */
  async reader(p: Principal): Promise<(r: ScopedRecord) => boolean> {
    const sectors = p.sectors.length > 0 ? await this.sectors() : new Map<string, string | null>();
    return (r) => this.canRead(p, r, sectors);
  }

  static sectorOf(r: Pick<ScopedRecord, 'origin' | 'category'>, sectors: ReadonlyMap<string, string | null>): string | null {
    return sectors.get(r.origin) ?? CATEGORY_SECTORS[r.category] ?? null;
  }

  static inRegion(p: Principal, region: string | null): boolean {
    if (p.regions.length === 0) return true;
    return region !== null && p.regions.some((prefix) => region.startsWith(prefix));
  }

  private canRead(p: Principal, r: ScopedRecord, sectors: ReadonlyMap<string, string | null>): boolean {
    if (p.role === 'clerk') return p.sourceUnit !== null && p.sourceUnit === r.sourceUnit;
    if (!can(p.role, 'records:read')) return false;
    if (r.publicity === 'public') return true;
    if (!ScopePolicy.inRegion(p, r.region)) return false;
    if (r.publicity === 'shared' || p.sectors.length === 0) return true;
    const sector = ScopePolicy.sectorOf(r, sectors);
    return sector !== null && p.sectors.includes(sector);
  }

  /** Throws FORBIDDEN naming why, for a single record read. */
  async assertRead(p: Principal, r: ScopedRecord): Promise<void> {
    if ((await this.reader(p))(r)) return;
    if (!can(p.role, 'records:read') && p.role !== 'clerk') throw new Forbidden(`当前角色（${p.role}）无权查询信用记录`);
    throw new Forbidden('该信用记录不在您的查询权限范围内（地区、行业或公开级别）', { region: r.region, publicity: r.publicity });
  }

  /** Roles that read records at all (clerks only their own unit's). */
  static readsRecords(p: Principal): boolean {
    return p.role === 'clerk' || can(p.role, 'records:read');
  }
}

/** 查询事由: required (at least 2 characters, at most 200) for anything about a natural person. */
export function requirePurpose(purpose: unknown): string {
  const text = typeof purpose === 'string' ? purpose.trim() : '';
  if (text.length < 2) throw new PurposeRequired('查询自然人信息必须填写查询事由（purpose，至少 2 个字）', [{ path: 'purpose', message: '必填，至少 2 个字' }]);
  if (text.length > 200) throw new BadRequest('查询事由过长（最多 200 个字）', [{ path: 'purpose', message: '最多 200 个字' }]);
  return text;
}

