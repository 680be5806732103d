// Wording of a nurturing enrollment for people: its timeline events, its progress and the next mail's time in
// the lead's own zone (the workflow reports the instant and the zone; the console never uses the viewer's zone).
import type { StatusTone } from '../../lib/status';
import type { EnrollmentRecord, EnrollmentState } from '../../lib/api/sequences';

const EVENTS: Record<string, { label: string; tone: StatusTone }> = {
  started: { label: 'Started', tone: 'info' },
  sent: { label: 'Mail sent', tone: 'running' },
  opened: { label: 'Opened', tone: 'ok' },
  clicked: { label: 'Clicked', tone: 'ok' },
  replied: { label: 'Replied', tone: 'ok' },
  bounced: { label: 'Bounced', tone: 'bad' },
  waited: { label: 'Waited', tone: 'neutral' },
  branched: { label: 'Branched', tone: 'info' },
  'task-created': { label: 'Task created', tone: 'info' },
  skipped: { label: 'Skipped', tone: 'warn' },
  'skip-requested': { label: 'Skip requested', tone: 'neutral' },
  paused: { label: 'Paused', tone: 'warn' },
  resumed: { label: 'Resumed', tone: 'info' },
  'opted-out': { label: 'Opted out', tone: 'warn' },
  'goal-signalled': { label: 'Goal signalled', tone: 'ok' },
  'goal-reached': { label: 'Goal reached', tone: 'ok' },
  completed: { label: 'Completed', tone: 'ok' },
  stopped: { label: 'Stopped', tone: 'bad' },
  'continued-as-new': { label: 'Continued in a new run', tone: 'neutral' },
};

/** An event the workflow logs, in words; unknown (newer) events are shown by their name. */
export function describeEvent(event: string): { label: string; tone: StatusTone } {
  return EVENTS[event] ?? { label: event, tone: 'neutral' };
}

export const STATE_TONES: Record<string, StatusTone> = {
  starting: 'neutral',
  running: 'running',
  paused: 'warn',
  completed: 'ok',
  'goal-reached': 'ok',
  stopped: 'bad',
};

/** "Tue 4 Mar, 09:00 Asia/Tokyo": the wall-clock time where the lead is. */
export function formatInLeadZone(utc: string, zone: string): string {
  const at = new Date(utc);
  if (Number.isNaN(at.getTime())) return utc;
  try {
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    return `${local} ${zone}`;
  } catch {
    // A zone this browser does not know: the instant, labelled as UTC, is still right.
    return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/** "Step 3 of 5 · intro (email)", or where it ended. */
export function progressText(record: Pick<EnrollmentRecord, 'stepCount'>, state: EnrollmentState | null): string {
  if (!state) return '';
  const of = record.stepCount ? ` of ${record.stepCount}` : '';
  if (state.currentStep) return `Step ${state.currentStep.index + 1}${of} · ${state.currentStep.id} (${state.currentStep.type})`;
  if (state.status === 'starting') return 'Starting…';
  return `${state.stepsDone} ${state.stepsDone === 1 ? 'step' : 'steps'} done`;
}

/** Why an ended enrollment ended, from the record (readable even when the workflow no longer answers). */
export function outcomeText(record: EnrollmentRecord): string {
  const o = record.outcome;
  if (!o) return '';
  if (o.outcome === 'goal-reached') return o.goal ? `goal reached: ${o.goal}` : 'goal reached';
  if (o.outcome === 'stopped') return o.reason ? `stopped: ${o.reason}` : 'stopped';
  return o.outcome;
}
