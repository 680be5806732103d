/**
 * Raising security alerts from the API: the event is written (details without personal data; an old address,
 * when the alert goes there, encrypted), the audit chain notes it, and the `securityAlert` workflow is started
 * under the event's business key. Starting the same event twice finds the first run: one mail.
 *
 * A failure to raise never undoes what happened (the password is changed, the user signed in): it is logged with
 * IDs only. A new-device alert that could not be started is raised again, under the same event ID, at the next
 * sign-in from that device, because the device is remembered only once its alert is under way.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { workflowIds } from '../contracts/workflow-ids.ts';
import { newId } from '../models/ids.ts';
import type { SecurityEventKind } from '../models/security-event.ts';
import { createAuditLog, type AuditEvent } from '../lib/audit/audit-log.ts';
import { describeDevice, deviceHash } from '../lib/security/devices.ts';
import { isDuplicateKeyError } from '../lib/mongo.ts';
import type { securityAlert } from '../workflows/security-alert.ts';
import type { ApiDeps } from './deps.ts';

export interface RaiseInput {
  kind: SecurityEventKind;
  userId: string;
  actor: AuditEvent['actor'];
  /** No personal data: device family and network prefix, token IDs and scopes, roles. */
  details?: Record<string, unknown>;
  /** Where to mail instead of the user's current address (the old address after an email change). */
  recipient?: string;
  /** A deterministic event ID (new-device alerts); a fresh `sec_…` otherwise. */
  eventId?: string;
}

export function createSecurityAlerts({ models, temporal, config, keyring, logger }: Pick<ApiDeps, 'models' | 'temporal' | 'config' | 'keyring' | 'logger'>) {
  const audit = createAuditLog(models.AuditEntry);

  /** Writes the event and starts its workflow; idempotent per event ID. Throws when either fails. */
  async function raise(input: RaiseInput): Promise<string> {
    const eventId = input.eventId ?? newId('sec');
    const workflowId = workflowIds.securityAlert(eventId);
    let created = true;
    try {
      await models.SecurityEvent.create({ _id: eventId, userId: input.userId, kind: input.kind, at: new Date(), details: input.details ?? {}, recipient: input.recipient });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      created = false; // raised before; its audit entry exists: only make sure the workflow runs
    }
    if (created) await audit.append({ actor: input.actor, action: `security-alert.${input.kind}`, target: { type: 'user', id: input.userId }, details: { eventId, workflowId } });
    try {
      await temporal.workflow.start<typeof securityAlert>('securityAlert', { taskQueue: config.temporal.taskQueue, workflowId, args: [{ eventId }] });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return eventId;
  }

  return {
    raise,

    /** raise(), logging instead of throwing: for alerts about something that has already happened. */
    async raiseOrLog(input: RaiseInput): Promise<string | undefined> {
      try {
        return await raise(input);
      } catch (err) {
        logger.error({ err, userId: input.userId, kind: input.kind }, 'could not raise security alert');
        return undefined;
      }
    },

    /**
     * After a successful sign-in: a device not seen before for this user raises a new-device alert. The first
     * device a user ever signs in from is remembered without one (there is nothing to compare it with).
     */
    async signedIn(userId: string, client: { userAgent?: string; ip?: string }): Promise<{ newDevice: boolean; eventId?: string }> {
      const device = describeDevice(client.userAgent, client.ip);
      const hash = await deviceHash(keyring, userId, device);
      const now = new Date();
      if (await models.KnownDevice.findOneAndUpdate({ _id: hash }, { $set: { lastSeenAt: now } }).lean()) return { newDevice: false };
      const first = !(await models.KnownDevice.exists({ userId }));
      let eventId: string | undefined;
      if (!first) {
        // Derived from the device hash: parallel sign-ins from one new device, or a retry after a failed start,
        // raise the same event, hence one workflow and one mail.
        eventId = `sec_${createHash('sha256').update(`new-device:${hash}`).digest('hex').slice(0, 32)}`;
        await raise({ kind: 'new-device', userId, actor: { kind: 'user', id: userId }, details: { ...device }, eventId });
      }
      try {
        await models.KnownDevice.create({ _id: hash, userId, firstSeenAt: now, lastSeenAt: now });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      return { newDevice: !first, eventId };
    },
  };
}

export type SecurityAlerts = ReturnType<typeof createSecurityAlerts>;
