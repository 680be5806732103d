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
import { createConsents } from '../../lib/consents.ts';
import { sequenceVersionId } from '../../models/sequence.ts';
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

  it('a send cut off before its commit leaves no mail at the relay; the retry sends exactly one', async () => {
    const key = `test-${randomBytes(6).toString('hex')}:welcome`;
    const email = uniqueEmail('resend');
    const input = { key, kind: 'welcome', to: email, subject: 'Hello', text: 'Hi' };
    // The worker dies with the whole message at the relay, before the ledger's record and the end-of-data mark.
    const dying: Mailer = { send: (mail) => mailer.send(mail, { beforeCommit: () => Promise.reject(new Error('worker died')) }), close() {} };
    await expect(sendOnce(models, dying, input)).rejects.toThrow('worker died');
    expect(await models.Notification.findById(key).lean()).toMatchObject({ status: 'sending' });
    const again = await sendOnce(models, mailer, input);
    expect(again.alreadySent).toBe(false);
    expect((await mailTo(email)).map((m) => m.messageId)).toEqual([again.messageId]);
    expect(await models.Notification.findById(key).lean()).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a relay refusing the message after the mark takes the record back, so the retry sends', async () => {
    const key = `test-${randomBytes(6).toString('hex')}:welcome`;
    const email = uniqueEmail('refused');
    const input = { key, kind: 'welcome', to: email, subject: 'Hello', text: 'Hi' };
    const refusing: Mailer = {
      send: async (mail, opts) => {
        await opts?.beforeCommit?.();
        throw Object.assign(new Error('550 message refused'), { responseCode: 550 });
      },
      close() {},
    };
    await expect(sendOnce(models, refusing, input)).rejects.toThrow('550');
    expect(await models.Notification.findById(key).lean()).toMatchObject({ status: 'sending' });
    expect((await sendOnce(models, mailer, input)).alreadySent).toBe(false);
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('an attempt that outlived its timeout cannot commit once a retry claimed the key: one mail', async () => {
    const key = `test-${randomBytes(6).toString('hex')}:welcome`;
    const email = uniqueEmail('superseded');
    const input = { key, kind: 'welcome', to: email, subject: 'Hello', text: 'Hi' };
    let atGate!: () => void;
    let release!: () => void;
    const reachedGate = new Promise<void>((r) => (atGate = r));
    const gate = new Promise<void>((r) => (release = r));
    const slow: Mailer = {
      send: (mail, opts) => mailer.send(mail, { beforeCommit: async () => { atGate(); await gate; await opts!.beforeCommit!(); } }),
      close() {},
    };
    const stale = sendOnce(models, slow, input);
    await reachedGate; // the first attempt has its whole message at the relay, uncommitted
    const retry = await sendOnce(models, mailer, input);
    expect(retry.alreadySent).toBe(false);
    release();
    expect(await stale).toEqual({ messageId: retry.messageId, alreadySent: true });
    expect((await mailTo(email)).map((m) => m.messageId)).toEqual([retry.messageId]);
  });
});

describe('sendNurturingEmail', () => {
  it('a retry of a mail already out reports it sent, even after an opt-out; a mail not yet out is suppressed', async () => {
    const hex = () => randomBytes(16).toString('hex');
    const [accountId, leadId, sequenceId] = [`acc_${hex()}`, `led_${hex()}`, `seq_${hex()}`];
    const email = uniqueEmail('nurtured');
    await models.Account.create({ _id: accountId, name: 'Retry Solar', owner: { name: 'Rita', email: uniqueEmail('owner') } });
    await models.Lead.create({ _id: leadId, accountId, name: 'Lee Lead', email, timeZone: 'UTC' });
    const consents = createConsents(models.Consent);
    await consents.record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
    const steps = [{ id: 'intro', type: 'email', category: 'marketing', subject: 'Hello', body: 'Hi {{lead.firstName}}' }];
    await models.SequenceVersion.create({ _id: sequenceVersionId(sequenceId, 1), sequenceId, accountId, version: 1, definition: { name: 'One mail', steps } });
    const activities = createActivities(activityDeps(config, { models, mailer, keyring }));
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `lead-nurturing-${hex()}`, runId: 'r1' } } as never);
    const ref = { accountId, leadId, sequenceId, version: 1, stepId: 'intro' };

    const first = await env.run(activities.sendNurturingEmail, { ...ref, visit: 1 });
    expect(first).toMatchObject({ status: 'sent', alreadySent: false });
    await consents.record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: false, policyVersion: '1', source: 'unsubscribe-link' });
    expect(await env.run(activities.sendNurturingEmail, { ...ref, visit: 1 })).toMatchObject({ status: 'sent', alreadySent: true });
    expect(await env.run(activities.sendNurturingEmail, { ...ref, visit: 2 })).toEqual({ status: 'suppressed', reason: 'no-marketing-consent', scope: 'marketing' });
    expect((await mailTo(email)).map((m) => m.subject)).toEqual(['Hello']);
  });
});
