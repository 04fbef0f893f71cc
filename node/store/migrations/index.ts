import type { Knex } from 'knex';
import * as m0900 from './202611260900-subjects.ts';
import * as m0901 from './202611260901-records.ts';
import * as m0902 from './202611260902-events.ts';
import * as m0903 from './202611260903-users.ts';
import * as m1200 from './202611261200-directory.ts';
import * as m1400 from './202611261400-exchange.ts';
import * as m1600 from './202611261600-audit.ts';
import * as m1610 from './202611261610-subject-search.ts';
import * as m1620 from './202611261620-user-tokens.ts';
import * as m1900 from './202611261900-tickets.ts';
import * as m1847 from './202611261847-credit-reports.ts';
import * as m1830 from './202611261830-publicity.ts';
import * as m1930 from './202611261930-articles.ts';
import * as m271000 from './202611271000-ticket-steps.ts';
import * as m271010 from './202611271010-notifications.ts';
import * as m271100 from './202611271100-open-clients.ts';
import * as m271110 from './202611271110-evaluations.ts';
import * as m271200 from './202611271200-projection.ts';
import * as m271300 from './202611271300-pg-scale.ts';
import * as m271400 from './202611271400-subject-name-index.ts';
import * as m271500 from './202611271500-records-public-index.ts';

interface Migration { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }

/**
 * Migrations are listed here rather than found on disk, so the same list runs under tsx and from the build.
 * A released migration is never edited; add a new file and a new line.
 */
export const MIGRATIONS: Array<[string, Migration]> = [
  ['202611260900-subjects', m0900],
  ['202611260901-records', m0901],
  ['202611260902-events', m0902],
  ['202611260903-users', m0903],
  ['202611261200-directory', m1200],
  ['202611261400-exchange', m1400],
  ['202611261600-audit', m1600],
  ['202611261610-subject-search', m1610],
  ['202611261620-user-tokens', m1620],
  ['202611261900-tickets', m1900],
  ['202611261847-credit-reports', m1847],
  ['202611261830-publicity', m1830],
  ['202611261930-articles', m1930],
  ['202611271000-ticket-steps', m271000],
  ['202611271010-notifications', m271010],
  ['202611271100-open-clients', m271100],
  ['202611271110-evaluations', m271110],
  ['202611271200-projection', m271200],
  ['202611271300-pg-scale', m271300],
  ['202611271400-subject-name-index', m271400],
  ['202611271500-records-public-index', m271500],
];
