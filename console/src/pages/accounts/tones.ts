// Badge tones of account statuses and cancellation phases.
import type { StatusTone } from '../../lib/status';

const TONES: Record<string, StatusTone> = {
  active: 'ok',
  'cancellation-pending': 'warn',
  purged: 'neutral',
  grace: 'warn',
  held: 'info',
  purging: 'bad',
  reactivated: 'ok',
};

export const toneOf = (statusOrPhase: string): StatusTone => TONES[statusOrPhase] ?? 'neutral';

/** "30 days remaining", "1 day remaining", "due now". */
export function countdown(days: number): string {
  if (days <= 0) return 'due now';
  return `${days} ${days === 1 ? 'day' : 'days'} remaining`;
}
