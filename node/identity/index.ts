export * from './errors.ts';
export * from './regions.ts';
export * from './uscc.ts';
export * from './resident-id.ts';
export * from './check-code.ts';
export { SD_DIVISIONS_2024 } from './divisions-data.ts';
export type { DivisionLevel, DivisionRow } from './divisions-data.ts';
