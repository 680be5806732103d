/**
 * Account cancellation, as the privacy policy promises it: the data stays readable and exportable for the grace
 * period (30 days by default), the owner can reactivate until the purge starts, reminders go out 7 days and 1 day
 * before; then every store is purged, financial records are kept pseudonymised for their legal retention, the
 * account's key is destroyed and a deletion certificate is issued and mailed. A legal hold suspends the purge
 * until it is released. Only IDs, dates and counts enter the history (and under the system key: this workflow
 * outlives the account's key, see contracts/workflow-ids.ts).
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  executeChild,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { workflowIds } from '../contracts/workflow-ids.ts';
import { RETENTION_REASONS, type CertificateInput } from '../contracts/deletion-certificate.ts';

export interface AccountCancellationInput {
  accountId: string;
  /** The user (or `owner` via the CRM) who asked. */
  requestedBy: string;
  /** Policy values, fixed at the request (CANCELLATION_GRACE_DAYS, FINANCIAL_RETENTION_DAYS). */
  graceDays: number;
  financialRetentionDays: number;
}

export type CancellationPhase = 'grace' | 'held' | 'purging' | 'purged' | 'reactivated';

export interface CancellationState {
  phase: CancellationPhase;
  requestedAt: string;
  /** Days remaining are the reader's to count: a query only knows the time of the workflow's last step. */
  purgeAt: string;
  export: { status: 'preparing' | 'ready' | 'failed'; exportId: string; records?: number };
  legalHolds: string[];
  remindersSent: number[];
  certificateId?: string;
}

export interface CancellationOutcome {
  outcome: 'reactivated' | 'purged';
  certificateId?: string;
}

/** Reactivation: by the owner (signed link) or an admin, accepted only before the purge starts. */
export const reactivateUpdate = defineUpdate<{ reactivatedAt: string }, [{ by: string }]>('reactivate');
/** An admin gives the owner more time. */
export const extendGraceUpdate = defineUpdate<{ purgeAt: string }, [{ by: string; days: number }]>('extendGrace');
/** The owner asks for deletion now rather than at the end of the grace period. */
export const purgeNowUpdate = defineUpdate<{ purgeAt: string }, [{ by: string }]>('purgeNow');
/** A legal hold on the account was placed or released: check the holds again. */
export const legalHoldsChangedSignal = defineSignal('legalHoldsChanged');
export const cancellationStateQuery = defineQuery<CancellationState>('cancellationState');

const DAY = 86_400_000;
/** Reminders, in days before the purge. */
export const REMINDERS = [7, 1] as const;
/** While a hold is on, the holds are re-read at least this often (a missed signal cannot stall the purge forever). */
const HOLD_RECHECK = '1 day';

const acts = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });
const purge = proxyActivities<Activities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '15 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });

export async function accountCancellation(input: AccountCancellationInput): Promise<CancellationOutcome> {
  const { accountId, requestedBy } = input;
  const { workflowId } = workflowInfo();
  const requestedAt = Date.now();
  let purgeAt = requestedAt + input.graceDays * DAY;
  let phase: CancellationPhase = 'grace';
  let reactivatedBy: string | undefined;
  let woken = false;
  let dateChanges = 0;
  const remindersSent: number[] = [];
  const exportState: CancellationState['export'] = { status: 'preparing', exportId: `exp_${uuid4().replaceAll('-', '')}` };
  let legalHolds: string[] = [];
  let certificateId: string | undefined;

  let purgeStarted = false;
  const beforePurge = () => !purgeStarted && reactivatedBy === undefined;
  /** Update validators: who asks must be named, and nothing changes once the purge has started. */
  const acceptBeforePurge = (what: string, by: string) => {
    if (!by) throw ApplicationFailure.create({ type: 'InvalidRequest', message: `${what}: who asks must be given` });
    if (!beforePurge()) throw ApplicationFailure.create({ type: 'PurgeStarted', message: `cannot ${what}: the account is ${phase}` });
  };
  setHandler(cancellationStateQuery, () => ({
    phase,
    requestedAt: new Date(requestedAt).toISOString(),
    purgeAt: new Date(purgeAt).toISOString(),
    export: { ...exportState },
    legalHolds,
    remindersSent: [...remindersSent],
    certificateId,
  }));
  setHandler(
    reactivateUpdate,
    async ({ by }) => {
      // Decided at once (the purge can no longer start); the restore itself follows.
      reactivatedBy = by;
      phase = 'reactivated';
      await acts.restoreAccount(accountId, by);
      return { reactivatedAt: new Date().toISOString() };
    },
    { validator: ({ by }) => acceptBeforePurge('reactivate', by) },
  );
  setHandler(
    extendGraceUpdate,
    async ({ by, days }) => {
      purgeAt += days * DAY;
      dateChanges++;
      woken = true;
      await acts.recordPurgeDateChange(accountId, { by, change: 'grace-extended', days, purgeAt: new Date(purgeAt).toISOString(), sequence: dateChanges });
      return { purgeAt: new Date(purgeAt).toISOString() };
    },
    {
      validator: ({ by, days }) => {
        acceptBeforePurge('extend the grace period', by);
        if (!Number.isInteger(days) || days < 1 || days > 365) throw ApplicationFailure.create({ type: 'InvalidExtension', message: 'days must be an integer from 1 to 365' });
      },
    },
  );
  setHandler(
    purgeNowUpdate,
    async ({ by }) => {
      purgeAt = Math.min(purgeAt, Date.now());
      await acts.recordPurgeDateChange(accountId, { by, change: 'purge-now', days: 0, purgeAt: new Date(purgeAt).toISOString(), sequence: ++dateChanges });
      woken = true;
      return { purgeAt: new Date(purgeAt).toISOString() };
    },
    { validator: ({ by }) => acceptBeforePurge('purge now', by) },
  );
  setHandler(legalHoldsChangedSignal, () => {
    woken = true;
  });

  /** A hold placed after the purge began stops it where it is (the steps refuse); it resumes once released. */
  async function whileNotHeld<T>(step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (err) {
        if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'LegalHoldActive')) throw err;
      }
      phase = 'held';
      do {
        woken = false;
        legalHolds = await acts.activeLegalHolds(accountId);
        if (legalHolds.length) await condition(() => woken, HOLD_RECHECK);
      } while (legalHolds.length);
      phase = 'purging';
    }
  }

  await acts.beginCancellation(accountId, { requestedBy, requestedAt: new Date(requestedAt).toISOString(), purgeAt: new Date(purgeAt).toISOString() });
  await acts.recordMilestone({ type: 'account', id: accountId }, 'cancellation.requested');

  // The portable copy is prepared at once; the grace period runs meanwhile (a slow export never shortens it).
  const exportDone = (async () => {
    try {
      const result = await executeChild('dataExport', {
        workflowId: workflowIds.cancellationExport(accountId),
        args: [{ accountId, exportId: exportState.exportId, reason: 'cancellation', requestedBy }],
      });
      Object.assign(exportState, { status: 'ready', records: (result as { records: number }).records });
    } catch {
      exportState.status = 'failed';
    }
    if (beforePurge()) await acts.sendCancellationNotice(accountId, { purgeAt: new Date(purgeAt).toISOString(), exportId: exportState.status === 'ready' ? exportState.exportId : null });
  })();

  // The grace period: wake for each reminder and for the purge date; an update or signal moves the dates.
  while (!reactivatedBy) {
    woken = false; // before reading the holds: a signal that arrives while they are read must wake the wait below
    legalHolds = await acts.activeLegalHolds(accountId);
    if (reactivatedBy) break;
    const now = Date.now();
    phase = legalHolds.length ? 'held' : 'grace';
    if (!legalHolds.length) {
      if (now >= purgeAt) {
        purgeStarted = true; // from here on, reactivation is refused
        phase = 'purging';
        break;
      }
      const due = REMINDERS.find((d) => !remindersSent.includes(d) && now >= purgeAt - d * DAY);
      if (due !== undefined) {
        await acts.sendCancellationReminder(accountId, { purgeAt: new Date(purgeAt).toISOString(), daysBefore: due });
        remindersSent.push(due);
        continue;
      }
    }
    const next = Math.min(purgeAt, ...REMINDERS.filter((d) => !remindersSent.includes(d)).map((d) => purgeAt - d * DAY));
    await condition(() => woken || reactivatedBy !== undefined, legalHolds.length ? HOLD_RECHECK : Math.max(next - now, 1));
  }
  if (reactivatedBy) {
    await condition(allHandlersFinished);
    await acts.recordMilestone({ type: 'account', id: accountId }, 'cancellation.reactivated');
    return { outcome: 'reactivated' };
  }

  await exportDone;
  const purgeStartedAt = new Date().toISOString();
  await acts.recordMilestone({ type: 'account', id: accountId }, 'cancellation.purge-started');
  const inventory = await purge.takeInventory(accountId);
  const exports = await whileNotHeld(() => purge.deleteAccountExports(accountId));
  await whileNotHeld(() => purge.purgeAccountStores(accountId));
  const financial = await whileNotHeld(() => purge.pseudonymiseFinancialRecords(accountId, new Date(Date.now() + input.financialRetentionDays * DAY).toISOString()));
  await purge.deleteAccountWorkflowHistories(accountId);
  const keyDestruction = await acts.destroyAccountKey(accountId);

  const certificate: CertificateInput = {
    certificateId: `dc_${uuid4().replaceAll('-', '')}`,
    scope: 'account',
    accountId,
    workflowId,
    requestedAt: new Date(requestedAt).toISOString(),
    purgeStartedAt,
    deleted: inventory.deleted,
    retained: [
      ...financial.map((f) => ({ ...f, reason: RETENTION_REASONS.financial })),
      ...inventory.evidence.map((e) => ({ ...e, until: null })),
    ],
    exports,
    workflowHistoriesDeleted: inventory.workflows,
    keyDestruction,
  };
  certificateId = (await acts.issueDeletionCertificate(certificate)).certificateId;
  phase = 'purged';
  await acts.mailDeletionCertificate(certificateId);
  return { outcome: 'purged', certificateId };
}
