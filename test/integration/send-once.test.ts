/** The mail ledger: a retried send activity never mails twice once the relay accepted the message. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { connectMongo } from '../../lib/mongo.ts';
import { createKeyring } from '../../lib/crypto/mongo-keyring.ts';
import { createMailer, type Mailer } from '../../lib/mailer.ts';
import { createModels, syncIndexes, type Models } from '../../models/index.ts';
import { activityDeps, createActivities } from '../../activities/index.ts';
import type { Keyring } from '../../lib/crypto/keyring.ts';
import { sendOnce } from '../../activities/notifications/send-once.ts';
import { testConfig } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import type { Connection } from 'mongoose';

let mongo: Connection;
let models: Models;
let mailer: Mailer;
let keyring: Keyring;
const config = testConfig();

beforeAll(async () => {
  mongo = await connectMongo(config.mongoUri);
  keyring = await createKeyring(mongo, config);
  models = createModels(mongo, keyring);
  await syncIndexes(models);
  mailer = createMailer(config.smtpUrl, config.mailFrom);
});
afterAll(async () => {
  mailer?.close();
  await mongo?.dropDatabase();
  await mongo?.close();
});

describe('sendWelcomeMail', () => {
  it('sends once however often the activity is retried for the same workflow', async () => {
    const accountId = `acc_${randomBytes(16).toString('hex')}`;
    const email = uniqueEmail('retry');
    await models.Account.create({ _id: accountId, name: 'Retry & Co', owner: { name: 'Rita', email } });
    const activities = createActivities(activityDeps(config, { models, mailer, keyring }));
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `account-onboarding-${accountId}`, runId: 'r1' } } as never);
    const first = (await env.run(activities.sendWelcomeMail, accountId)) as Awaited<ReturnType<typeof activities.sendWelcomeMail>>;
    const second = await env.run(activities.sendWelcomeMail, accountId);
    expect(first.alreadySent).toBe(false);
    expect(second).toEqual({ messageId: first.messageId, alreadySent: true });
    const mails = await mailTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.messageId).toBe(first.messageId);
  });

  it('after a crash between sending and recording, resends with the same Message-ID', async () => {
    const key = `test-${randomBytes(6).toString('hex')}:welcome`;
    const email = uniqueEmail('resend');
    const input = { key, kind: 'welcome', to: email, subject: 'Hello', text: 'Hi' };
    // The state a worker killed right after the relay accepted the mail leaves behind.
    const { messageId } = await sendOnce(models, mailer, input);
    await models.Notification.updateOne({ _id: key }, { $set: { status: 'sending' }, $unset: { sentAt: 1 } });
    const again = await sendOnce(models, mailer, input);
    expect(again).toEqual({ messageId, alreadySent: false });
    const mails = await mailTo(email);
    expect(mails.map((m) => m.messageId)).toEqual([messageId, messageId]);
    expect((await models.Notification.findById(key).lean())).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
