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
