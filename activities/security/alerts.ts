import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { sendOnce, type SendOnceResult } from '../notifications/send-once.ts';
import { securityAlertTemplate } from '../notifications/templates.ts';

export interface SecurityAlertMailResult extends SendOnceResult {
  /** Whom the alert concerns (an opaque ID), for the workflow's audit milestone. */
  userId: string;
}

/**
 * The security alert mail of one security event. The event and the user are read here, so the workflow only ever
 * holds the event ID. Service mail: no consent is asked. Idempotent through the mail ledger (workflow ID + step).
 */
export function createSecurityAlertActivities({ models, mailer }: { models: Models; mailer: Mailer }) {
  return {
    async sendSecurityAlert(eventId: string): Promise<SecurityAlertMailResult> {
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      if (!workflowId) throw ApplicationFailure.create({ message: 'security alerts must be sent from a workflow', nonRetryable: true });
      const event = await models.SecurityEvent.findById(eventId).lean();
      if (!event) throw ApplicationFailure.create({ type: 'SecurityEventNotFound', message: `security event ${eventId} does not exist`, nonRetryable: true });
      const user = await models.User.findById(event.userId).lean();
      if (!user) throw ApplicationFailure.create({ type: 'UserNotFound', message: `user ${event.userId} of security event ${eventId} does not exist`, nonRetryable: true });
      const { subject, text } = securityAlertTemplate({ userName: user.name, kind: event.kind, at: event.at, details: (event.details ?? {}) as Record<string, unknown> });
      const result = await sendOnce(models, mailer, { key: `${workflowId}:security-alert`, kind: `security-alert.${event.kind}`, to: event.recipient ?? user.email, subject, text });
      await models.SecurityEvent.updateOne({ _id: eventId, mailedAt: null }, { $set: { mailedAt: new Date() } });
      return { ...result, userId: event.userId };
    },
  };
}
