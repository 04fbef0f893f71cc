import type { ComplaintRoute } from '../config/types.ts';
import type { DirectoryEntry } from '../exchange/directory.ts';
import { regionPrefix } from '../exchange/routing.ts';

export interface RouteChoice { node: string; by: 'route' | 'region' | 'province' | 'self' }

/**
 * The competent authority's node for a complaint (DESIGN.md §6): the first route of the config whose sector and
 * region prefix match (a route naming a node the directory does not hold as active is passed over), else the
 * platform of the subject's region (the city whose division covers it), else the province hub, else this node.
 */
export function routeComplaint(routes: readonly ComplaintRoute[], directory: readonly DirectoryEntry[], subjectRegion: string | null, sector: string, self: string): RouteChoice {
  const active = new Map(directory.filter((e) => e.status === 'active').map((e) => [e.id, e]));
  for (const r of routes) {
    if (r.sector !== undefined && r.sector !== sector) continue;
    if (r.region !== undefined && !(subjectRegion ?? '').startsWith(r.region)) continue;
    if (active.has(r.node) || r.node === self) return { node: r.node, by: 'route' };
  }
  if (subjectRegion) {
    const cities = [...active.values()].filter((e) => e.role === 'city' && subjectRegion.startsWith(regionPrefix(e.region)));
    cities.sort((a, b) => regionPrefix(b.region).length - regionPrefix(a.region).length);
    if (cities[0]) return { node: cities[0].id, by: 'region' };
  }
  const province = [...active.values()].find((e) => e.role === 'province');
  if (province) return { node: province.id, by: 'province' };
  return { node: self, by: 'self' };
}
