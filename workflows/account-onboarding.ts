/**
 * Account onboarding: provision the new account, welcome its owner, nudge once if the owner has not signed
 * in after three days, and close after two weeks either way. Only the account ID enters the history.
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface AccountOnboardingInput {
  accountId: string;
}

export type OnboardingState = 'provisioning' | 'welcomed' | 'reminded' | 'completed' | 'lapsed';

/** The CRM reports the owner's first sign-in. */
export const ownerSignedInSignal = defineSignal('ownerSignedIn');
export const onboardingStateQuery = defineQuery<OnboardingState>('onboardingState');

export const ACTIVATION_REMINDER_AFTER = '3 days';
export const ONBOARDING_WINDOW_AFTER_REMINDER = '11 days';

const { provisionAccount, sendWelcomeMail, sendActivationReminder, finishOnboarding, recordMilestone } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function accountOnboarding({ accountId }: AccountOnboardingInput): Promise<OnboardingState> {
  let state: OnboardingState = 'provisioning';
  let ownerSignedIn = false;
  setHandler(onboardingStateQuery, () => state);
  setHandler(ownerSignedInSignal, () => {
    ownerSignedIn = true;
  });

  await provisionAccount(accountId);
  const account = { type: 'account', id: accountId };
  await sendWelcomeMail(accountId);
  state = 'welcomed';
  await recordMilestone(account, 'onboarding.welcomed');

  if (!(await condition(() => ownerSignedIn, ACTIVATION_REMINDER_AFTER))) {
    await sendActivationReminder(accountId);
    state = 'reminded';
    await recordMilestone(account, 'onboarding.reminded');
    if (!(await condition(() => ownerSignedIn, ONBOARDING_WINDOW_AFTER_REMINDER))) {
      state = 'lapsed';
      await finishOnboarding(accountId, state);
      await recordMilestone(account, 'onboarding.lapsed');
      return state;
    }
  }
  state = 'completed';
  await finishOnboarding(accountId, state);
  await recordMilestone(account, 'onboarding.completed');
  return state;
}
