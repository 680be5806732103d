import type { Connection } from 'mongoose';
import type { Keyring } from '../lib/crypto/keyring.ts';
import { bindKeyring } from '../lib/crypto/encrypted-fields.ts';
import { accountModel } from './account.ts';
import { userModel } from './user.ts';
import { apiTokenModel } from './api-token.ts';
import { notificationModel } from './notification.ts';
import { auditEntryModel } from './audit-entry.ts';
import { consentModel } from './consent.ts';
import { legalHoldModel } from './legal-hold.ts';
import { processorModel } from './processor.ts';
import { usageEventModel } from './usage-event.ts';
import { usageDailyModel } from './usage-daily.ts';

/**
 * Binds every model to one connection; processes and tests pass the connection they opened. Models with
 * personal data (accounts, users) encrypt and decrypt through `keyring` — the process's one keyring
 * (createKeyring in lib/crypto/mongo-keyring.ts), so a crypto-shredding is seen at once by every model.
 */
export function createModels(conn: Connection, keyring: Keyring) {
  const models = {
    Account: accountModel(conn),
    User: userModel(conn),
    ApiToken: apiTokenModel(conn),
    Notification: notificationModel(conn),
    AuditEntry: auditEntryModel(conn),
    Consent: consentModel(conn),
    LegalHold: legalHoldModel(conn),
    Processor: processorModel(conn),
    UsageEvent: usageEventModel(conn),
    UsageDaily: usageDailyModel(conn),
  };
  bindKeyring(models.Account, keyring);
  bindKeyring(models.User, keyring);
  return models;
}

export type Models = ReturnType<typeof createModels>;

/** Indexes are part of the schema; build them before serving (autoIndex would race the first request). */
export async function syncIndexes(models: Models) {
  await Promise.all(Object.values(models).map((m) => m.createIndexes()));
}
