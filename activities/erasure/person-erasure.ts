/**
 * Erasing one person (a lead or a technician) on request: the account purge's machinery scoped to the person's
 * records (models/account-data.ts PERSON_DATA). Legal holds on the person or the whole account stop it.
 */
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import { PERSON_DATA, type PersonDataStore, type PersonKind } from '../../models/account-data.ts';
import type { StoreCount } from '../../contracts/deletion-certificate.ts';
import { createLegalHolds } from '../../lib/legal-holds.ts';
import { failIfHeld, type AnyModel } from './common.ts';
import { temporalHistoryStore, type WorkflowHistoryStore } from '../../lib/workflow-histories.ts';

export interface PersonRef {
  type: PersonKind;
  id: string;
}

export function createPersonErasureActivities({ models, histories: given }: { models: Models; histories?: WorkflowHistoryStore }) {
  const holds = createLegalHolds(models.LegalHold);
  const histories = () => given ?? temporalHistoryStore(Context.current().client);
  const modelOf = (store: PersonDataStore) => models[store.model] as unknown as AnyModel;
  const workflowIdOf = () => Context.current().info.workflowExecution?.workflowId ?? '';
  const countAll = (accountId: string, person: PersonRef) =>
    Promise.all(PERSON_DATA[person.type].map(async (s) => ({ store: modelOf(s).collection.collectionName, count: await modelOf(s).countDocuments(s.filter(accountId, person.id)) })));

  return {
    /** Where the certificate goes: the person's own address if we have one, under the system key until sent. */
    async capturePersonRecipient(accountId: string, person: PersonRef): Promise<boolean> {
      const workflowId = workflowIdOf();
      if (await models.CertificateRecipient.exists({ _id: workflowId })) return true;
      const record = person.type === 'lead' ? await models.Lead.findOne({ _id: person.id, accountId }).lean() : await models.Technician.findOne({ _id: person.id, accountId }).lean();
      if (!record?.email) return false;
      await models.CertificateRecipient.create({ _id: workflowId, name: record.name, email: record.email, capturedAt: new Date() });
      return true;
    },

    async personLegalHolds(accountId: string, person: PersonRef): Promise<string[]> {
      return (await holds.activeFor(accountId, person)).map((h) => h._id);
    },

    async takePersonInventory(accountId: string, person: PersonRef): Promise<{ deleted: StoreCount[]; workflows: number }> {
      const workflows = person.type === 'lead' ? (await histories().listLeadWorkflows(person.id)).length : 0;
      return { deleted: await countAll(accountId, person), workflows };
    },

    /** Deletes the person's records store by store; idempotent, ends only when none is left. */
    async erasePersonRecords(accountId: string, person: PersonRef): Promise<void> {
      await failIfHeld(holds, accountId, person);
      for (const store of PERSON_DATA[person.type]) {
        await modelOf(store).deleteMany(store.filter(accountId, person.id));
        heartbeat();
      }
      const left = (await countAll(accountId, person)).filter((s) => s.count > 0);
      if (left.length) throw ApplicationFailure.create({ type: 'ErasureIncomplete', message: `records reappeared during the erasure in ${left.map((s) => s.store).join(', ')}` });
      // A technician's jobs belong to the customers: they stay, without the technician.
      if (person.type === 'technician') await models.Job.updateMany({ accountId, technicianId: person.id }, { $unset: { technicianId: 1 } });
    },

    /** The person's workflows (a lead's nurturing enrollments), with their histories. */
    async deletePersonWorkflows(person: PersonRef): Promise<void> {
      if (person.type !== 'lead') return;
      for (const execution of await histories().listLeadWorkflows(person.id)) {
        await histories().deleteWorkflow(execution);
        heartbeat();
      }
    },
  };
}
