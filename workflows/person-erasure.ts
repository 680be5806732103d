/**
 * Erasure of one person's data on request (a lead or a technician asks to be forgotten): wait out any legal hold
 * on the person or the account, take an inventory, delete the records and the person's workflows, then issue a
 * deletion certificate and mail it to the person's captured address. Only IDs and counts enter the history.
 */
import { ActivityFailure, ApplicationFailure, condition, defineQuery, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { PersonRef } from '../activities/erasure/person-erasure.ts';
import { legalHoldsChangedSignal } from './account-cancellation.ts';

export interface PersonErasureInput {
  accountId: string;
  person: PersonRef;
  /** Who asked (a user ID): kept in the history as the request's evidence. */
  requestedBy: string;
}

export type PersonErasurePhase = 'held' | 'erasing' | 'erased';
export interface PersonErasureState {
  phase: PersonErasurePhase;
  legalHolds: string[];
  certificateId?: string;
}

export const personErasureStateQuery = defineQuery<PersonErasureState>('personErasureState');
/** The API sends the cancellation's legalHoldsChanged signal when a hold on the person or the account changes. */
export { legalHoldsChangedSignal };

const HOLD_RECHECK = '1 day';
const acts = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });
const erase = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '15 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });

export async function personErasure({ accountId, person }: PersonErasureInput): Promise<{ certificateId: string }> {
  const { workflowId } = workflowInfo();
  const requestedAt = new Date().toISOString();
  let phase: PersonErasurePhase = 'erasing';
  let legalHolds: string[] = [];
  let certificateId: string | undefined;
  let woken = false;
  setHandler(personErasureStateQuery, () => ({ phase, legalHolds, certificateId }));
  setHandler(legalHoldsChangedSignal, () => {
    woken = true;
  });
  const target = { type: person.type, id: person.id };

  const untilNoHold = async () => {
    for (;;) {
      woken = false;
      legalHolds = await acts.personLegalHolds(accountId, person);
      if (!legalHolds.length) break;
      phase = 'held';
      await condition(() => woken, HOLD_RECHECK);
    }
    phase = 'erasing';
  };

  await acts.capturePersonRecipient(accountId, person);
  await acts.recordMilestone(target, 'erasure.requested');
  await untilNoHold();
  const purgeStartedAt = new Date().toISOString();
  const inventory = await erase.takePersonInventory(accountId, person);
  for (;;) {
    try {
      await erase.erasePersonRecords(accountId, person);
      break;
    } catch (err) {
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'LegalHoldActive')) throw err;
      await untilNoHold(); // a hold placed meanwhile: resume once it is released
    }
  }
  await erase.deletePersonWorkflows(person);
  certificateId = (
    await acts.issueDeletionCertificate({
      certificateId: `dc_${uuid4().replaceAll('-', '')}`,
      scope: 'person',
      accountId,
      subject: target,
      workflowId,
      requestedAt,
      purgeStartedAt,
      deleted: inventory.deleted,
      retained: [],
      exports: { files: 0, bytes: 0 },
      workflowHistoriesDeleted: inventory.workflows,
    })
  ).certificateId;
  phase = 'erased';
  await acts.mailDeletionCertificate(certificateId);
  await acts.recordMilestone(target, 'erasure.completed');
  return { certificateId };
}
