import type { Connection } from 'mongoose';
import type { Keyring } from '../lib/crypto/keyring.ts';
import { bindKeyring, hasPersonalData } from '../lib/crypto/encrypted-fields.ts';
import { accountModel } from './account.ts';
import { userModel } from './user.ts';
import { apiTokenModel } from './api-token.ts';
import { notificationModel } from './notification.ts';
import { auditEntryModel } from './audit-entry.ts';
import { consentModel } from './consent.ts';
import { legalHoldModel } from './legal-hold.ts';
import { processorModel } from './processor.ts';
import { usageEventModel } from './usage-event.ts';
import { usageDailyModel } from './usage-daily.ts';
import { usageRollUpModel } from './usage-roll-up.ts';
import { policyVersionModel } from './policy-version.ts';
import { policyAcknowledgementModel } from './policy-acknowledgement.ts';
import { knownDeviceModel } from './known-device.ts';
import { securityEventModel } from './security-event.ts';
import { leadModel } from './lead.ts';
import { technicianModel } from './technician.ts';
import { jobModel } from './job.ts';
import { routePlanModel } from './route-plan.ts';
import { locationPointModel } from './location-point.ts';
import { invoiceModel } from './invoice.ts';
import { paymentModel } from './payment.ts';
import { dataExportModel } from './data-export.ts';
import { deletionCertificateModel } from './deletion-certificate.ts';
import { certificateRecipientModel } from './certificate-recipient.ts';
import { sequenceModel, sequenceVersionModel } from './sequence.ts';
import { enrollmentModel, engagementEventModel, nurturingMessageModel, salesTaskModel, sendSlotModel } from './enrollment.ts';
import { workflowViewModel } from './workflow-view.ts';

/**
 * Binds every model to one connection; processes and tests pass the connection they opened. Models with
 * personal data (those with the personalData plugin) encrypt and decrypt through `keyring` — the process's one keyring
 * (createKeyring in lib/crypto/mongo-keyring.ts), so a crypto-shredding is seen at once by every model.
 */
export function createModels(conn: Connection, keyring: Keyring) {
  const models = {
    Account: accountModel(conn),
    User: userModel(conn),
    ApiToken: apiTokenModel(conn),
    Notification: notificationModel(conn),
    AuditEntry: auditEntryModel(conn),
    Consent: consentModel(conn),
    LegalHold: legalHoldModel(conn),
    Processor: processorModel(conn),
    UsageEvent: usageEventModel(conn),
    UsageDaily: usageDailyModel(conn),
    UsageRollUp: usageRollUpModel(conn),
    PolicyVersion: policyVersionModel(conn),
    PolicyAcknowledgement: policyAcknowledgementModel(conn),
    KnownDevice: knownDeviceModel(conn),
    SecurityEvent: securityEventModel(conn),
    Lead: leadModel(conn),
    Technician: technicianModel(conn),
    Job: jobModel(conn),
    RoutePlan: routePlanModel(conn),
    LocationPoint: locationPointModel(conn),
    Invoice: invoiceModel(conn),
    Payment: paymentModel(conn),
    DataExport: dataExportModel(conn),
    DeletionCertificate: deletionCertificateModel(conn),
    CertificateRecipient: certificateRecipientModel(conn),
    Sequence: sequenceModel(conn),
    SequenceVersion: sequenceVersionModel(conn),
    Enrollment: enrollmentModel(conn),
    EngagementEvent: engagementEventModel(conn),
    NurturingMessage: nurturingMessageModel(conn),
    SalesTask: salesTaskModel(conn),
    SendSlot: sendSlotModel(conn),
    WorkflowView: workflowViewModel(conn),
  };
  for (const model of Object.values(models)) if (hasPersonalData(model)) bindKeyring(model, keyring);
  return models;
}

export type Models = ReturnType<typeof createModels>;

/** Indexes are part of the schema; build them before serving (autoIndex would race the first request). */
export async function syncIndexes(models: Models) {
  await Promise.all(Object.values(models).map((m) => m.createIndexes()));
}
