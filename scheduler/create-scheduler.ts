import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from '../lib/logger.ts';
import type { Trigger } from './triggers.ts';

export const AGENDA_COLLECTION = 'agenda_jobs';

/** agenda in polling mode (FerretDB has no change streams); jobs are the triggers, nothing else. */
export async function createScheduler(opts: { db: Db; temporal: Client; taskQueue: string; logger: Logger; triggers: Trigger[]; processEvery?: string | number }) {
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: opts.db, collection: AGENDA_COLLECTION }),
    processEvery: opts.processEvery ?? '30 seconds',
  });
  for (const trigger of opts.triggers) {
    agenda.define(trigger.name, async (job) => {
      const firedAt = job.attrs.lastRunAt ?? new Date();
      const { workflowId, started } = await trigger.start(opts.temporal, opts.taskQueue, firedAt);
      opts.logger.info({ trigger: trigger.name, workflowId, started }, started ? 'workflow started' : 'workflow already started for this run');
    });
  }
  await agenda.start();
  // `every` upserts one job per name: restarting the scheduler does not duplicate triggers.
  for (const trigger of opts.triggers) await agenda.every(trigger.cron, trigger.name, undefined, { timezone: trigger.timezone, skipImmediate: true });
  return agenda;
}
