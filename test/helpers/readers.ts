import { expect } from 'chai';
import { isCreditNodeError, type CreditNodeError } from '../../node/errors.ts';
import type { RowSource, TableSource } from '../../node/records/readers/types.ts';

export async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Awaits work that must fail with a node error, and returns it. */
export async function failure(work: Promise<unknown>): Promise<CreditNodeError> {
  let caught: unknown;
  try {
    await work;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected an error').to.not.equal(undefined);
  if (!isCreditNodeError(caught)) throw caught;
  return caught;
}

/** Awaits work that must fail as an unreadable import file, with a Chinese message. */
export async function unreadable(work: Promise<unknown>): Promise<CreditNodeError> {
  const err = await failure(work);
  expect(err.code).to.equal('IMPORT_FILE_UNREADABLE');
  expect(err.message).to.match(/[\u4e00-\u9fff]/);
  return err;
}

export function table(source: RowSource): TableSource {
  expect(source.kind).to.equal('table');
  return source as TableSource;
}
