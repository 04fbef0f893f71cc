import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/types.ts';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import { ArticleService } from './articles.ts';
import { PublicData, type PublicEvaluation } from './public-data.ts';
import { regionPrefix, siteOf, type SiteInfo } from './site.ts';
import type { LookupTicket, SubmitTicket, TicketKind } from './tickets.ts';
import type { EvidenceLimits } from '../disputes/evidence.ts';
import type { CountStatistics } from './statistics-counts.ts';

/** What the portal pages and the public API are built from. */
export interface PortalDeps {
  db: Knex;
  clock: Clock;
  log: Logger;
  registry: SchemaRegistry;
  config: Pick<Config, 'name' | 'role' | 'region' | 'portal'>;
  /** Files objections, complaints and repair applications; without it the forms answer 503. */
  onTicket?: SubmitTicket | undefined;
  /** The kinds onTicket files (default all three); forms of the others answer 503 like an unwired onTicket. */
  ticketKinds?: readonly TicketKind[] | undefined;
  /** A ticket's public status by number; without it the lookup answers 503. */
  lookupTicket?: LookupTicket | undefined;
  /** Records among these with an objection open (shown 异议处理中); without it only a record's own status counts. */
  openObjections?: ((recordIds: string[]) => Promise<Set<string>>) | undefined;
  /** How the home page's statistics are counted (default: on the store's connection; the node counts SQLite off its thread). */
  countStatistics?: CountStatistics | undefined;
  /** The credit evaluation of an organisation as the public may see it (where the node evaluates). */
  evaluationOf?: ((subjectKey: string) => Promise<PublicEvaluation | undefined>) | undefined;
  /** Limits of the evidence files the objection and complaint forms accept (without: no files). */
  evidence?: EvidenceLimits | undefined;
}

export interface PortalServices {
  site: SiteInfo;
  data: PublicData;
  articles: ArticleService;
  /** The region prefix of articles this site shows (besides those for every site). */
  articleRegion: string;
}

// The pages and the app API of one node share their services (and so one statistics cache).
const built = new WeakMap<PortalDeps, PortalServices>();

export function portalServices(deps: PortalDeps): PortalServices {
  const known = built.get(deps);
  if (known) return known;
  const services = makeServices(deps);
  built.set(deps, services);
  return services;
}

function makeServices(deps: PortalDeps): PortalServices {
  const site = siteOf(deps.config);
  return {
    site,
    data: new PublicData({ db: deps.db, clock: deps.clock, registry: deps.registry, site, statisticsCacheSeconds: deps.config.portal.statisticsCacheSeconds, openObjections: deps.openObjections, countStatistics: deps.countStatistics, evaluationOf: deps.evaluationOf }),
    articles: new ArticleService({ db: deps.db, clock: deps.clock }),
    articleRegion: regionPrefix(deps.config.region),
  };
}
