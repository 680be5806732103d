/**
 * The account-facing steps of a cancellation: mark the account, capture where the certificate goes, mail the
 * owner (notice with links, two reminders), restore on reactivation. Each is idempotent: a retry after a crash
 * changes nothing twice and mails nothing twice (send-once ledger keyed by workflow ID + step).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import type { Mailer } from '../../lib/mailer.ts';
import type { LinkSigner } from '../../lib/signed-links.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import { exportDownloadPath } from '../../contracts/exports.ts';
import { createLegalHolds } from '../../lib/legal-holds.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { sendOnce, type SendOnceResult } from '../notifications/send-once.ts';
import { cancellationTemplates } from '../notifications/cancellation-templates.ts';

export interface CancellationDeps {
  models: Models;
  mailer: Mailer;
  crmUrl: string;
  /** Public base URL of the API (links in mail that the API answers). */
  publicUrl: string;
  links: LinkSigner;
}

const workflowIdOf = () => {
  const id = Context.current().info.workflowExecution?.workflowId;
  if (!id) throw ApplicationFailure.create({ message: 'cancellation steps run from the cancellation workflow', nonRetryable: true });
  return id;
};

export function createCancellationActivities({ models, mailer, crmUrl, publicUrl, links }: CancellationDeps) {
  const holds = createLegalHolds(models.LegalHold);
  const audit = createAuditLog(models.AuditEntry);

  const loadAccount = async (accountId: string) => {
    const account = await models.Account.findById(accountId)
      .lean()
      .catch((err: unknown) => {
        if (err instanceof KeyDestroyedError) throw ApplicationFailure.create({ type: 'AccountShredded', message: `account ${accountId} was crypto-shredded`, nonRetryable: true });
        throw err;
      });
    if (!account?.owner) throw ApplicationFailure.create({ type: 'AccountNotFound', message: `account ${accountId} does not exist`, nonRetryable: true });
    return { ...account, owner: account.owner };
  };

  const mailOwner = async (accountId: string, step: string, render: (owner: { name: string }, accountName: string) => { subject: string; text: string }): Promise<SendOnceResult> => {
    const account = await loadAccount(accountId);
    const { subject, text } = render(account.owner, account.name);
    return sendOnce(models, mailer, { key: `${workflowIdOf()}:${step}`, accountId, kind: `cancellation.${step}`, to: account.owner.email, subject, text });
  };

  return {
    /**
     * Marks the account cancellation-pending (read-only, exportable) and captures the owner's address under the
     * system key for the deletion certificate. Repeating it with the same workflow changes nothing.
     */
    async beginCancellation(accountId: string, p: { requestedBy: string; requestedAt: string; purgeAt: string }): Promise<void> {
      const workflowId = workflowIdOf();
      const account = await loadAccount(accountId);
      if (!(await models.CertificateRecipient.exists({ _id: workflowId }))) {
        await models.CertificateRecipient.create({ _id: workflowId, name: account.owner.name, email: account.owner.email, capturedAt: new Date() });
      }
      await models.Account.updateOne(
        { _id: accountId },
        { $set: { status: 'cancellation-pending', cancellation: { requestedAt: new Date(p.requestedAt), requestedBy: p.requestedBy, purgeAt: new Date(p.purgeAt), workflowId } } },
      );
      await audit.appendOnce(`${workflowId}:requested`, { actor: { kind: 'user', id: p.requestedBy }, action: 'account.cancellation.requested', target: { type: 'account', id: accountId }, details: { purgeAt: p.purgeAt } });
    },

    /** The notice: when the data goes, how to reactivate, where the export is. */
    async sendCancellationNotice(accountId: string, p: { purgeAt: string; exportId: string | null }): Promise<SendOnceResult> {
      const purgeAt = new Date(p.purgeAt);
      const reactivateToken = await links.sign({ purpose: 'reactivate-account', subject: accountId, expiresAt: purgeAt });
      const ready = p.exportId ? await models.DataExport.findById(p.exportId, { expiresAt: 1 }).lean() : null;
      const downloadUrl =
        p.exportId && ready?.expiresAt ? publicUrl + exportDownloadPath(p.exportId, await links.sign({ purpose: 'download-export', subject: p.exportId, expiresAt: ready.expiresAt })) : null;
      return mailOwner(accountId, 'notice', (owner, accountName) =>
        cancellationTemplates.notice({ ownerName: owner.name, accountName, purgeAt, reactivateUrl: `${publicUrl}/#/reactivate/${reactivateToken}`, downloadUrl, exportsUrl: `${crmUrl}/account/exports` }),
      );
    },

    async sendCancellationReminder(accountId: string, p: { purgeAt: string; daysBefore: number }): Promise<SendOnceResult> {
      const purgeAt = new Date(p.purgeAt);
      const reactivateToken = await links.sign({ purpose: 'reactivate-account', subject: accountId, expiresAt: purgeAt });
      return mailOwner(accountId, `reminder-${p.daysBefore}d`, (owner, accountName) =>
        cancellationTemplates.reminder({ ownerName: owner.name, accountName, purgeAt, daysBefore: p.daysBefore, reactivateUrl: `${publicUrl}/#/reactivate/${reactivateToken}`, exportsUrl: `${crmUrl}/account/exports` }),
      );
    },

    /** Reactivation: the account is active again, the captured address dropped, the owner told. */
    async restoreAccount(accountId: string, by: string): Promise<void> {
      const workflowId = workflowIdOf();
      await models.Account.updateOne({ _id: accountId, status: 'cancellation-pending' }, { $set: { status: 'active' }, $unset: { cancellation: 1 } });
      await models.CertificateRecipient.deleteOne({ _id: workflowId });
      await audit.appendOnce(`${workflowId}:reactivated`, { actor: { kind: 'user', id: by }, action: 'account.reactivated', target: { type: 'account', id: accountId }, details: {} });
    },

    /** A changed purge date: more time given (admin), or deletion now (the owner asked); audited either way. */
    async recordPurgeDateChange(accountId: string, p: { by: string; change: 'grace-extended' | 'purge-now'; days: number; purgeAt: string; sequence: number }): Promise<void> {
      const workflowId = workflowIdOf();
      await models.Account.updateOne({ _id: accountId, status: 'cancellation-pending' }, { $set: { 'cancellation.purgeAt': new Date(p.purgeAt) } });
      await audit.appendOnce(`${workflowId}:date-change-${p.sequence}`, { actor: { kind: 'user', id: p.by }, action: `account.cancellation.${p.change}`, target: { type: 'account', id: accountId }, details: { days: p.days, purgeAt: p.purgeAt } });
    },

    /** IDs of the active legal holds on the account (any hold stops the whole account's purge). */
    async activeLegalHolds(accountId: string): Promise<string[]> {
      return (await holds.activeFor(accountId)).map((h) => h._id);
    },
  };
}
