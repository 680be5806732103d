import type { Connection } from 'mongoose';
import { accountModel } from './account.ts';
import { userModel } from './user.ts';
import { apiTokenModel } from './api-token.ts';
import { notificationModel } from './notification.ts';

/** Binds every model to one connection; processes and tests pass the connection they opened. */
export function createModels(conn: Connection) {
  return {
    Account: accountModel(conn),
    User: userModel(conn),
    ApiToken: apiTokenModel(conn),
    Notification: notificationModel(conn),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Indexes are part of the schema; build them before serving (autoIndex would race the first request). */
export async function syncIndexes(models: Models) {
  await Promise.all(Object.values(models).map((m) => m.createIndexes()));
}
