/**
 * The deletion certificate: proof of what an erasure deleted, kept and destroyed. Stored, chained into the audit
 * log (the entry carries the certificate's SHA-256, so editing either breaks verification), then mailed to the
 * address captured when the erasure was requested — which is deleted right after.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { canonicalJson } from '../../lib/audit/canonical-json.ts';
import { sendOnce } from '../notifications/send-once.ts';
import { cancellationTemplates } from '../notifications/cancellation-templates.ts';
import type { CertificateInput } from '../../contracts/deletion-certificate.ts';

export function certificateSummary(c: Pick<CertificateInput, 'deleted' | 'retained' | 'exports' | 'workflowHistoriesDeleted' | 'keyDestruction'>): string {
  const lines = ['Deleted:'];
  for (const d of c.deleted) lines.push(`  ${d.store}: ${d.count}`);
  lines.push(`  export archives: ${c.exports.files}`, `  workflow histories: ${c.workflowHistoriesDeleted}`);
  if (c.retained.length) {
    lines.push('Kept:');
    for (const r of c.retained) lines.push(`  ${r.store}: ${r.count} — ${r.reason}${r.until ? `, until ${r.until.slice(0, 10)}` : ''}`);
  }
  if (c.keyDestruction) lines.push(`Encryption keys destroyed at ${c.keyDestruction.destroyedAt}: ${c.keyDestruction.keyIds.join(', ')}`);
  return lines.join('\n');
}

export function createCertificateActivities({ models, mailer }: { models: Models; mailer: Mailer }) {
  const audit = createAuditLog(models.AuditEntry);
  return {
    /** Idempotent by certificate ID: a retry finds the audit entry and the certificate it wrote before. */
    async issueDeletionCertificate(input: CertificateInput): Promise<{ certificateId: string; auditSeq: number; sha256: string }> {
      const existing = await models.DeletionCertificate.findById(input.certificateId).lean();
      if (existing) return { certificateId: existing._id, auditSeq: existing.audit!.seq!, sha256: existing.audit!.certificateSha256! };
      const completedAt = new Date();
      const body = { ...input, completedAt: completedAt.toISOString() };
      const sha256 = createHash('sha256').update(canonicalJson(body)).digest('hex');
      const seq = await audit.appendOnce(`certificate:${input.certificateId}`, {
        actor: { kind: 'system', id: input.workflowId },
        action: input.scope === 'account' ? 'account.purged' : 'person.erased',
        target: input.subject ? { type: input.subject.type, id: input.subject.id } : { type: 'account', id: input.accountId },
        details: { certificateId: input.certificateId, accountId: input.accountId, certificateSha256: sha256 },
      });
      await models.DeletionCertificate.create({
        _id: input.certificateId,
        scope: input.scope,
        accountId: input.accountId,
        subject: input.subject,
        workflowId: input.workflowId,
        requestedAt: new Date(input.requestedAt),
        purgeStartedAt: new Date(input.purgeStartedAt),
        completedAt,
        deleted: input.deleted,
        retained: input.retained.map((r) => ({ ...r, until: r.until ? new Date(r.until) : undefined })),
        exports: input.exports,
        workflowHistoriesDeleted: input.workflowHistoriesDeleted,
        keyDestruction: input.keyDestruction ? { keyIds: input.keyDestruction.keyIds, destroyedAt: new Date(input.keyDestruction.destroyedAt) } : undefined,
        audit: { seq, certificateSha256: sha256 },
      });
      return { certificateId: input.certificateId, auditSeq: seq, sha256 };
    },

    /** Mails the certificate to the captured address, then forgets the address. */
    async mailDeletionCertificate(certificateId: string): Promise<{ mailed: boolean }> {
      const certificate = await models.DeletionCertificate.findById(certificateId).lean();
      if (!certificate) throw ApplicationFailure.create({ type: 'CertificateNotFound', message: `no deletion certificate ${certificateId}`, nonRetryable: true });
      const recipient = await models.CertificateRecipient.findById(certificate.workflowId).lean();
      if (recipient) {
        const summary = certificateSummary({
          deleted: certificate.deleted.map((d) => ({ store: d.store!, count: d.count! })),
          retained: certificate.retained.map((r) => ({ store: r.store!, count: r.count!, reason: r.reason!, until: r.until ? r.until.toISOString() : null })),
          exports: { files: certificate.exports?.files ?? 0, bytes: certificate.exports?.bytes ?? 0 },
          workflowHistoriesDeleted: certificate.workflowHistoriesDeleted,
          keyDestruction: certificate.keyDestruction?.destroyedAt ? { keyIds: certificate.keyDestruction.keyIds, destroyedAt: certificate.keyDestruction.destroyedAt.toISOString() } : undefined,
        });
        const { subject, text } =
          certificate.scope === 'person'
            ? cancellationTemplates.personCertificate({ name: recipient.name, certificateId, completedAt: certificate.completedAt, summary })
            : cancellationTemplates.certificate({ ownerName: recipient.name, certificateId, accountId: certificate.accountId, completedAt: certificate.completedAt, summary });
        await sendOnce(models, mailer, { key: `${certificate.workflowId}:certificate`, kind: 'deletion-certificate', to: recipient.email, subject, text });
        await models.DeletionCertificate.updateOne({ _id: certificateId }, { $set: { mailedAt: new Date() } });
        await models.CertificateRecipient.deleteOne({ _id: certificate.workflowId });
      }
      return { mailed: Boolean(recipient) };
    },
  };
}
