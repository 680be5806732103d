/**
 * Business summaries of workflows, from each workflow's own state query: which query a type answers, and how its
 * answer reads to people ("Phase grace, purge on 2026-12-25, 30 days left"). Types not listed have no summary.
 * The queries answer IDs, dates and counts only (the workflows keep personal data out of their state).
 */
import { cancellationStateQuery, type CancellationState } from '../workflows/account-cancellation.ts';
import { onboardingStateQuery, type OnboardingState } from '../workflows/account-onboarding.ts';
import { dataExportStateQuery, type DataExportState } from '../workflows/data-export.ts';
import { broadcastProgressQuery, type PolicyChangeBroadcastProgress } from '../workflows/policy-change-broadcast.ts';
import { personErasureStateQuery, type PersonErasureState } from '../workflows/person-erasure.ts';
import { nurturingStateQuery } from '../workflows/lead-nurturing.ts';
import type { NurturingState } from '../contracts/nurturing.ts';
import { planningStateQuery, type PlanningState } from '../workflows/daily-route-planning.ts';

const DAY = 86_400_000;

export interface SummaryText {
  headline: string;
  facts: { label: string; value: string }[];
}

interface SummaryEntry {
  query: string;
  read(state: unknown, now: Date): SummaryText;
}

const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');
const count = (n: number) => n.toLocaleString('en-GB');
const daysLeft = (iso: string, now: Date) => Math.max(0, Math.ceil((Date.parse(iso) - now.getTime()) / DAY));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const ONBOARDING: Record<OnboardingState, string> = {
  provisioning: 'Provisioning the account',
  welcomed: 'Welcome mail sent; waiting for the owner’s first sign-in',
  reminded: 'Activation reminder sent; waiting for the owner’s first sign-in',
  completed: 'Completed: the owner signed in',
  lapsed: 'Lapsed: the owner did not sign in within the window',
};

const EXPORT: Record<DataExportState, string> = {
  preparing: 'Preparing the export',
  building: 'Building the archive',
  ready: 'Archive ready for download',
  failed: 'Export failed',
};

/** Workflow type → its state query and the reading of the answer. */
export const BUSINESS_SUMMARIES: Readonly<Record<string, SummaryEntry>> = {
  accountCancellation: {
    query: cancellationStateQuery.name,
    read(state, now) {
      const s = state as CancellationState;
      const waiting = s.phase === 'grace' || s.phase === 'held';
      const headline =
        s.phase === 'purged'
          ? `Phase purged${s.certificateId ? `, certificate ${s.certificateId}` : ''}`
          : s.phase === 'reactivated'
            ? 'Phase reactivated: the account is active again'
            : waiting
              ? `Phase ${s.phase}, purge on ${day(s.purgeAt)}, ${plural(daysLeft(s.purgeAt, now), 'day')} left${s.phase === 'held' ? ' (suspended by a legal hold)' : ''}`
              : `Phase ${s.phase}`;
      const facts = [
        { label: 'Requested', value: day(s.requestedAt) },
        { label: 'Purge on', value: day(s.purgeAt) },
        { label: 'Export', value: `${s.export.status}${s.export.records !== undefined ? ` (${count(s.export.records)} records)` : ''}` },
        { label: 'Legal holds', value: s.legalHolds.length ? s.legalHolds.join(', ') : 'none' },
        { label: 'Reminders sent', value: s.remindersSent.length ? s.remindersSent.map((d) => `${plural(d, 'day')} before`).join(', ') : 'none yet' },
      ];
      if (s.certificateId) facts.push({ label: 'Certificate', value: s.certificateId });
      return { headline, facts };
    },
  },
  accountOnboarding: {
    query: onboardingStateQuery.name,
    read(state) {
      const s = state as OnboardingState;
      return { headline: ONBOARDING[s] ?? `State ${String(s)}`, facts: [{ label: 'State', value: String(s) }] };
    },
  },
  dataExport: {
    query: dataExportStateQuery.name,
    read(state) {
      const s = state as DataExportState;
      return { headline: EXPORT[s] ?? `State ${String(s)}`, facts: [{ label: 'State', value: String(s) }] };
    },
  },
  policyChangeBroadcast: {
    query: broadcastProgressQuery.name,
    read(state) {
      const s = state as PolicyChangeBroadcastProgress;
      const pct = s.total ? Math.floor((s.sent / s.total) * 100) : 100;
      return {
        headline: `Version ${s.version}: ${count(s.sent)} of ${count(s.total)} notified (${pct}%)${s.done ? ', done' : ''}`,
        facts: [
          { label: 'Sent', value: count(s.sent) },
          { label: 'Found already sent on a retry', value: count(s.alreadySent) },
          { label: 'Skipped', value: count(s.skipped) },
          { label: 'Batches', value: count(s.batches) },
          { label: 'Runs', value: count(s.runs) },
        ],
      };
    },
  },
  leadNurturing: {
    query: nurturingStateQuery.name,
    read(state) {
      const s = state as NurturingState;
      const step = s.currentStep ? `step ${s.currentStep.index + 1}${s.stepCount ? ` of ${s.stepCount}` : ''} (${s.currentStep.type})` : 'no current step';
      const next = s.nextSendAt ? `, next mail ${s.nextSendAt.local.slice(0, 16).replace('T', ' ')} ${s.nextSendAt.zone}` : '';
      return {
        headline: `${s.status[0]!.toUpperCase()}${s.status.slice(1)}: ${step}${next}`,
        facts: [
          { label: 'Sequence', value: `${s.sequenceId} v${s.version}` },
          { label: 'Steps done', value: count(s.stepsDone) },
          { label: 'Time zone', value: s.timeZone ?? '—' },
          { label: 'Runs', value: count(s.runs) },
        ],
      };
    },
  },
  dailyRoutePlanning: {
    query: planningStateQuery.name,
    read(state) {
      const s = state as PlanningState;
      const p = s.plan;
      const facts = [
        { label: 'Plan version', value: String(s.version) },
        { label: 'Approved by', value: s.approvedBy ?? '—' },
        { label: 'Changes waiting', value: count(s.pendingChanges) },
      ];
      if (p) facts.push({ label: 'Technicians used', value: `${p.techniciansUsed} of ${p.technicians}` }, { label: 'Matrix', value: p.estimated ? 'estimated (great-circle)' : 'OSRM' });
      const f = s.dayFigures;
      if (f) facts.push({ label: 'Planned vs actual', value: `${f.completed} of ${f.plannedStops} done, ${f.notDone} not done, ${f.cancelled} cancelled` });
      return { headline: `Phase ${s.phase}${p ? `: version ${p.version}, ${plural(p.assigned, 'job')} assigned, ${p.unassigned} unassigned` : ''}`, facts };
    },
  },
  personErasure: {
    query: personErasureStateQuery.name,
    read(state) {
      const s = state as PersonErasureState;
      const facts = [{ label: 'Legal holds', value: s.legalHolds.length ? s.legalHolds.join(', ') : 'none' }];
      if (s.certificateId) facts.push({ label: 'Certificate', value: s.certificateId });
      return { headline: `Phase ${s.phase}${s.phase === 'held' ? ` (${plural(s.legalHolds.length, 'legal hold')})` : ''}`, facts };
    },
  },
};
