/**
 * The account-data register (models/account-data.ts) is what export and purge walk: a model that holds an
 * account's data but is missing from it would survive a purge. This finds every such model from the schemas.
 */
import { describe, expect, it } from 'vitest';
import mongoose from 'mongoose';
import { createModels } from '../../models/index.ts';
import { ACCOUNT_DATA } from '../../models/account-data.ts';
import { MemoryKeyring } from '../fixtures/memory-keyring.ts';

describe('account data register', () => {
  const conn = mongoose.createConnection();
  const models = createModels(conn, new MemoryKeyring());

  it('lists every model with an accountId path', () => {
    const holding = Object.entries(models)
      .filter(([, model]) => model.schema.path('accountId'))
      .map(([name]) => name)
      .sort();
    const listed = ACCOUNT_DATA.filter((s) => s.accountPath === 'accountId').map((s) => s.model as string).sort();
    expect(listed).toEqual(holding);
  });

  it('names paths that exist', () => {
    for (const store of ACCOUNT_DATA) expect(models[store.model].schema.path(store.accountPath), `${store.model}.${store.accountPath}`).toBeTruthy();
  });
});
