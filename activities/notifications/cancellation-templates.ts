/** Mail about an account's cancellation and deletion. Dates in UTC, said plainly; links are signed and expire. */
const day = (d: Date) => d.toISOString().slice(0, 10);

export const cancellationTemplates = {
  notice: (p: { ownerName: string; accountName: string; purgeAt: Date; reactivateUrl: string; downloadUrl: string | null; exportsUrl: string }) => ({
    subject: `Your LORO CRM account ${p.accountName} is cancelled — your data stays until ${day(p.purgeAt)}`,
    text:
      `Hello ${p.ownerName},\n\nyour LORO CRM account "${p.accountName}" was cancelled. Your data stays available, read-only, until ` +
      `${day(p.purgeAt)}; after that day it is permanently deleted and you will receive a deletion certificate.\n\n` +
      `Changed your mind? Reactivate the account before then:\n  ${p.reactivateUrl}\n\n` +
      (p.downloadUrl
        ? `A portable copy of all your data (ZIP with JSON Lines and CSV) is ready:\n  ${p.downloadUrl}\n\n`
        : `Your portable copy could not be prepared automatically; request one any time here:\n  ${p.exportsUrl}\n\n`) +
      `The LORO team\n`,
  }),
  reminder: (p: { ownerName: string; accountName: string; purgeAt: Date; daysBefore: number; reactivateUrl: string; exportsUrl: string }) => ({
    subject: `${p.daysBefore === 1 ? 'Tomorrow' : `In ${p.daysBefore} days`}: the data of ${p.accountName} will be deleted`,
    text:
      `Hello ${p.ownerName},\n\nthe data of your cancelled LORO CRM account "${p.accountName}" will be permanently deleted on ${day(p.purgeAt)}.\n\n` +
      `Reactivate the account:\n  ${p.reactivateUrl}\n\nDownload a portable copy:\n  ${p.exportsUrl}\n\nThe LORO team\n`,
  }),
  certificate: (p: { ownerName: string; certificateId: string; accountId: string; completedAt: Date; summary: string }) => ({
    subject: `Deletion certificate ${p.certificateId}`,
    text:
      `Hello ${p.ownerName},\n\nas promised, the data of your LORO CRM account ${p.accountId} has been permanently deleted ` +
      `(completed ${p.completedAt.toISOString()}).\n\n${p.summary}\n\nThis certificate is recorded in our tamper-evident audit log. ` +
      `We have now also deleted the address this mail was sent to.\n\nThe LORO team\n`,
  }),
  personCertificate: (p: { name: string; certificateId: string; completedAt: Date; summary: string }) => ({
    subject: `Deletion certificate ${p.certificateId}`,
    text:
      `Hello ${p.name},\n\nas you asked, your personal data has been permanently deleted from LORO CRM (completed ${p.completedAt.toISOString()}).\n\n` +
      `${p.summary}\n\nThis certificate is recorded in our tamper-evident audit log. We have now also deleted the address this mail was sent to.\n\nThe LORO team\n`,
  }),
};
