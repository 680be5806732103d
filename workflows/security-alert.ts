/**
 * Security alert: mail the user about one security event (a sign-in from a new device, a password or email
 * change, an API token created, a role change), then note it in the audit chain. The workflow ID is the event's
 * business key (`security-alert-<eventId>`), so a second start finds the first and the mail goes out once; the
 * history holds the event ID only — the activity reads the event and the address.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface SecurityAlertInput {
  eventId: string;
}

const { sendSecurityAlert, recordMilestone } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function securityAlert({ eventId }: SecurityAlertInput): Promise<{ messageId: string }> {
  const { userId, messageId } = await sendSecurityAlert(eventId);
  await recordMilestone({ type: 'user', id: userId }, 'security-alert.mailed');
  return { messageId };
}
