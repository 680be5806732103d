import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { sendOnce, type SendOnceResult } from '../notifications/send-once.ts';
import { templates } from '../notifications/templates.ts';

export interface OnboardingDeps {
  models: Models;
  mailer: Mailer;
  crmUrl: string;
}

export function createOnboardingActivities({ models, mailer, crmUrl }: OnboardingDeps) {
  const loadAccount = async (accountId: string) => {
    const account = await models.Account.findById(accountId)
      .lean()
      .catch((err: unknown) => {
        // Shredded data stays unreadable however often the activity is retried.
        if (err instanceof KeyDestroyedError) throw ApplicationFailure.create({ type: 'AccountShredded', message: `the personal data of account ${accountId} was crypto-shredded`, nonRetryable: true });
        throw err;
      });
    if (!account?.owner) throw ApplicationFailure.create({ type: 'AccountNotFound', message: `account ${accountId} does not exist`, nonRetryable: true });
    return { ...account, owner: account.owner };
  };
  const mailOwner = async (accountId: string, kind: 'welcome' | 'activationReminder'): Promise<SendOnceResult> => {
    const account = await loadAccount(accountId);
    const { subject, text } = templates[kind]({ ownerName: account.owner.name, accountName: account.name, signInUrl: crmUrl });
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (!workflowId) throw ApplicationFailure.create({ message: `${kind} mail must be sent from a workflow`, nonRetryable: true });
    const key = `${workflowId}:${kind}`;
    return sendOnce(models, mailer, { key, accountId, kind, to: account.owner.email, subject, text });
  };

  return {
    /** Idempotent: setting the same state twice changes nothing. */
    async provisionAccount(accountId: string): Promise<void> {
      await loadAccount(accountId);
      await models.Account.updateOne({ _id: accountId, 'onboarding.status': 'pending' }, { $set: { 'onboarding.status': 'pending' } });
    },
    async sendWelcomeMail(accountId: string): Promise<SendOnceResult> {
      const result = await mailOwner(accountId, 'welcome');
      await models.Account.updateOne({ _id: accountId, 'onboarding.status': 'pending' }, { $set: { 'onboarding.status': 'welcomed' } });
      return result;
    },
    async sendActivationReminder(accountId: string): Promise<SendOnceResult> {
      return mailOwner(accountId, 'activationReminder');
    },
    async finishOnboarding(accountId: string, outcome: 'completed' | 'lapsed'): Promise<void> {
      await models.Account.updateOne({ _id: accountId }, { $set: { 'onboarding.status': outcome, 'onboarding.completedAt': new Date() } });
    },
  };
}
