/** Mail texts. Plain text first: it is what every client shows and what the tests read. */
export const templates = {
  welcome: (p: { ownerName: string; accountName: string; signInUrl: string }) => ({
    subject: `Welcome to LORO CRM, ${p.accountName}`,
    text: `Hello ${p.ownerName},\n\nyour LORO CRM account "${p.accountName}" is ready.\nSign in here: ${p.signInUrl}\n\nThe LORO team\n`,
  }),
  activationReminder: (p: { ownerName: string; accountName: string; signInUrl: string }) => ({
    subject: `Your LORO CRM account ${p.accountName} is waiting for you`,
    text: `Hello ${p.ownerName},\n\nyou have not signed in to "${p.accountName}" yet.\nStart here: ${p.signInUrl}\n\nThe LORO team\n`,
  }),
};

/**
 * Security alerts to console users: service mail, always sent (no marketing consent applies). They say what
 * happened and when, in coarse terms (device family, network prefix, token ID, roles), and what to do if it
 * was not the user.
 */
export type SecurityAlertKind = 'new-device' | 'password-changed' | 'api-token-created' | 'role-changed' | 'email-changed';

const NOT_YOU = 'If this was not you, change your password at once and tell an administrator.';

export const securityAlertTemplate = (p: { userName: string; kind: SecurityAlertKind; at: Date; details: Record<string, unknown> }) => {
  const when = `${p.at.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  const d = p.details;
  const list = (v: unknown) => (Array.isArray(v) && v.length ? v.join(', ') : 'none');
  const body = {
    'new-device': {
      subject: 'New sign-in to your LORO engine account',
      what: `your account was signed in to from a device not seen before:\n\n  ${String(d.browser)} on ${String(d.os)} (${String(d.device)}), network ${String(d.network)}\n  at ${when}`,
    },
    'password-changed': {
      subject: 'Your LORO engine password was changed',
      what: `the password of your account was changed at ${when}.`,
    },
    'api-token-created': {
      subject: 'An API token was created with your LORO engine account',
      what: `an API token was created with your account at ${when}:\n\n  token ${String(d.tokenId)}\n  scopes ${list(d.scopes)}\n  expires ${String(d.expiresAt)}`,
    },
    'role-changed': {
      subject: 'Your roles in the LORO engine changed',
      what: `the roles of your account were changed at ${when}:\n\n  before: ${list(d.rolesBefore)}\n  now:    ${list(d.rolesAfter)}`,
    },
    'email-changed': {
      subject: 'The email address of your LORO engine account was changed',
      what: `the email address of your account was changed at ${when}. This address will no longer receive mail for the account.`,
    },
  }[p.kind];
  return { subject: body.subject, text: `Hello ${p.userName},\n\n${body.what}\n\n${NOT_YOU}\n\nThe LORO team\n` };
};
