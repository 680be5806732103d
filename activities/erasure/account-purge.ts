/**
 * Purging an account after its grace period, store by store. Every step is safe to repeat: deleting what is
 * already gone deletes nothing, the counts come from an inventory taken once before anything is deleted (so a
 * step retried after a crash never counts twice), and the long step heartbeats its position to resume from.
 */
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import type { Keyring } from '../../lib/crypto/keyring.ts';
import { ACCOUNT_DATA, type AccountDataStore } from '../../models/account-data.ts';
import { createLegalHolds } from '../../lib/legal-holds.ts';
import { failIfHeld, type AnyModel } from './common.ts';
import { deleteAccountExports } from '../../lib/exports/store.ts';
import { temporalHistoryStore, type WorkflowHistoryStore } from '../../lib/workflow-histories.ts';
import type { FinancialRetention, StoreCount } from '../../contracts/deletion-certificate.ts';


/** How often a long delete tells Temporal the worker is alive (well inside the workflow's heartbeat timeout). */
const HEARTBEAT_EVERY_MS = 3_000;

/** Heartbeats `details` until `work` settles. */
async function whileHeartbeating<T>(details: unknown, work: Promise<T>): Promise<T> {
  const ticker = setInterval(() => heartbeat(details), HEARTBEAT_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(ticker);
  }
}


export interface PurgeDeps {
  models: Models;
  keyring: Keyring;
  /** Default: Temporal as the worker's client reaches it. */
  histories?: WorkflowHistoryStore;
}

const deletedStores = ACCOUNT_DATA.filter((s) => s.treatment === 'personal' || s.treatment === 'operational');
const financialStores = ACCOUNT_DATA.filter((s) => s.treatment === 'financial');
const evidenceStores = ACCOUNT_DATA.filter((s) => s.treatment === 'evidence');

const filterOf = (store: AccountDataStore, accountId: string) => ({ [store.accountPath]: accountId });

/** The personal fields each financial store drops when its account is purged. */
const PSEUDONYMISED: Record<string, Record<string, 1>> = {
  Invoice: { 'customer.name': 1, 'customer.email': 1, 'customer.address': 1, 'customer.taxId': 1 },
  Payment: { payerName: 1, instrument: 1 },
};

export function createAccountPurgeActivities({ models, keyring, histories: given }: PurgeDeps) {
  const modelOf = (store: AccountDataStore) => models[store.model] as unknown as AnyModel;
  const histories = () => given ?? temporalHistoryStore(Context.current().client);
  const holds = createLegalHolds(models.LegalHold);
  const countIn = (stores: readonly AccountDataStore[], accountId: string) =>
    Promise.all(stores.map(async (s) => ({ store: modelOf(s).collection.collectionName, count: await modelOf(s).countDocuments(filterOf(s, accountId)) })));

  return {
    /** How many records each store holds for the account: the certificate's numbers, taken before deleting. */
    async takeInventory(accountId: string): Promise<{ deleted: StoreCount[]; financial: StoreCount[]; evidence: (StoreCount & { reason: string })[]; workflows: number }> {
      const self = Context.current().info.workflowExecution?.workflowId;
      const workflows = (await histories().listAccountWorkflows(accountId)).filter((w) => w.workflowId !== self).length;
      return { deleted: await countIn(deletedStores, accountId), financial: await countIn(financialStores, accountId), evidence: (await countIn(evidenceStores, accountId)).map((c, i) => ({ ...c, reason: evidenceStores[i]!.reason ?? 'evidence' })), workflows };
    },

    /**
     * Deletes every personal and operational record of the account, store by store, heartbeating while each
     * delete runs (one filtered deleteMany per store is several times faster than batches of IDs on FerretDB);
     * a retry resumes at the store it stood at — a delete repeated finds less or nothing.
     */
    async purgeAccountStores(accountId: string): Promise<void> {
      await failIfHeld(holds, accountId);
      const resumeAt = (Context.current().info.heartbeatDetails as { store?: number } | undefined)?.store ?? 0;
      for (let i = resumeAt; i < deletedStores.length; i++) {
        const store = deletedStores[i]!;
        await whileHeartbeating({ store: i }, modelOf(store).deleteMany(filterOf(store, accountId)));
        heartbeat({ store: i + 1 });
      }
      // A write that raced the purge (a usage roll-up that read events just before they went) is caught here;
      // the retry starts over and deletes it.
      const left = (await countIn(deletedStores, accountId)).filter((s) => s.count > 0);
      if (left.length) {
        heartbeat({ store: 0 });
        throw ApplicationFailure.create({ type: 'PurgeIncomplete', message: `records reappeared during the purge in ${left.map((s) => s.store).join(', ')}` });
      }
    },

    /**
     * Financial records stay for their legal retention without the customer's personal fields: those are
     * removed, not merely left under a key about to be destroyed; amounts, numbers and dates remain.
     */
    async pseudonymiseFinancialRecords(accountId: string, retainUntil: string): Promise<FinancialRetention[]> {
      await failIfHeld(holds, accountId);
      const until = new Date(retainUntil);
      const result: FinancialRetention[] = [];
      for (const store of financialStores) {
        const model = modelOf(store);
        const unset = PSEUDONYMISED[store.model];
        if (!unset) throw ApplicationFailure.create({ message: `no pseudonymisation declared for financial store ${store.model}`, nonRetryable: true });
        await model.updateMany({ ...filterOf(store, accountId), pseudonymisedAt: { $exists: false } }, { $unset: unset, $set: { pseudonymisedAt: new Date(), retainUntil: until } });
        result.push({ store: model.collection.collectionName, count: await model.countDocuments(filterOf(store, accountId)), until: until.toISOString() });
      }
      return result;
    },

    /**
     * Deletes every other workflow execution naming the account — histories, memos, search attributes —
     * terminating any still running. (The count is the inventory's: a retry may meet executions already gone.)
     */
    async deleteAccountWorkflowHistories(accountId: string): Promise<void> {
      const self = Context.current().info.workflowExecution?.workflowId;
      for (const execution of await histories().listAccountWorkflows(accountId)) {
        if (execution.workflowId === self) continue;
        await histories().deleteWorkflow(execution);
        heartbeat();
      }
    },

    /** Every export archive of the account, with its records. */
    async deleteAccountExports(accountId: string): Promise<{ files: number; bytes: number }> {
      await failIfHeld(holds, accountId);
      const { files, bytes } = await deleteAccountExports(models, accountId);
      return { files, bytes };
    },

    /** Crypto-shredding: whatever copy of the account's data survives anywhere (backups included) is unreadable. */
    async destroyAccountKey(accountId: string): Promise<{ keyIds: string[]; destroyedAt: string }> {
      const { keyIds, destroyedAt } = await keyring.destroy(accountId);
      return { keyIds, destroyedAt: destroyedAt.toISOString() };
    },
  };
}
