/**
 * Lead nurturing: the shapes the workflow, its activities, the API and the console share. The plan is the
 * structure of one sequence version (step IDs, types, waits, branches, categories — no template text and no
 * personal data): it is what enters the workflow's history.
 */
import type { SendWindow } from '../workflows/send-window.ts';

export type EmailCategory = 'marketing' | 'service';
export type EngagementKind = 'opened' | 'clicked' | 'replied' | 'bounced';
export type SequenceGoal = 'replied' | 'meeting-booked' | 'converted';

export type PlanStep =
  | { id: string; type: 'email'; category: EmailCategory }
  | { id: string; type: 'wait'; durationMs: number | null /** null: until the next send window */ }
  | { id: string; type: 'branch'; on: 'opened' | 'clicked' | 'replied'; withinMs: number; ofStep: string; then: string; else: string | null }
  | { id: string; type: 'task'; dueInMs: number | null };

export interface NurturingPlan {
  steps: PlanStep[];
  window: SendWindow;
  goals: SequenceGoal[];
  /** The lead's IANA zone (not personal data: it names a region shared by millions). */
  timeZone: string;
}

export interface NurturingInput {
  accountId: string;
  leadId: string;
  sequenceId: string;
  version: number;
  /**
   * The version's plan in the lead's zone, read by whoever enrolls (API, automatic enrollment) and kept by
   * continue-as-new. Runs started before 2026-11-26 have none: they load it with an activity and reserve each send
   * slot with an activity of its own, and replay so.
   */
  plan?: NurturingPlan;
  /** Set by continue-as-new only: where the previous run stopped. */
  carried?: NurturingCarry;
  /** Steps per run before continue-as-new (default NURTURING_STEPS_PER_RUN). */
  stepsPerRun?: number;
}

export interface NurturingLogEntry {
  at: string;
  stepId?: string;
  /** What happened: `sent`, `skipped`, `waited`, `branched`, `task-created`, `paused`, `resumed`, `goal`, `stopped`, `completed`… */
  event: string;
  /** Why, in words without personal data: `opened within P3D → follow-up`, `the lead opted out of marketing`. */
  reason?: string;
}

export interface NurturingCarry {
  plan: NurturingPlan;
  index: number;
  visits: Record<string, number>;
  engagement: { kind: EngagementKind; stepId: string }[];
  log: NurturingLogEntry[];
  paused: boolean;
  optedOut: boolean;
  stepsDone: number;
  runs: number;
}

export type NurturingStatus = 'starting' | 'running' | 'paused' | 'completed' | 'goal-reached' | 'stopped';

export interface NurturingState {
  status: NurturingStatus;
  sequenceId: string;
  version: number;
  currentStep: { id: string; type: PlanStep['type']; index: number } | null;
  /** Steps in the sequence version (null until the plan is loaded). */
  stepCount: number | null;
  /** The next mail's send time in the lead's zone: ISO with offset, and the zone's name. */
  nextSendAt: { local: string; zone: string; utc: string } | null;
  timeZone: string | null;
  log: NurturingLogEntry[];
  stepsDone: number;
  runs: number;
}

export interface NurturingOutcome {
  outcome: 'completed' | 'goal-reached' | 'stopped';
  goal?: SequenceGoal;
  reason?: string;
}

/** What the last check before a send found. `marketing` suppressions skip the mail; the others end the enrollment. */
export type SendResult =
  | { status: 'sent'; messageId: string; alreadySent: boolean }
  | { status: 'suppressed'; reason: 'no-marketing-consent'; scope: 'marketing' }
  | { status: 'suppressed'; reason: 'bounced' | 'erased' | 'legal-hold' | 'no-address' | 'converted'; scope: 'enrollment' }
  /** Not sent yet: the account's send slot for it is `waitMs` ahead (reserved; send again then, with `slotTaken`). */
  | { status: 'paced'; waitMs: number };

/** Which new leads an automatic enrollment looks at: one created lead, or every lead of one CSV import. */
export type AutoEnrollmentScope = { accountId: string; leadId: string } | { accountId: string; importId: string };

export interface AutoEnrollmentPage {
  /** Lead × sequence pairs to enrol (IDs only). */
  matches: { leadId: string; sequenceId: string; version: number; plan: NurturingPlan }[];
  /** Leads read on this page. */
  leads: number;
  /** The last lead's ID when there may be more, else null. */
  next: string | null;
}

export interface StartedEnrollment {
  workflowId: string;
  runId: string;
  accountId: string;
  leadId: string;
  sequenceId: string;
  version: number;
}

export interface AutoEnrollmentResult {
  leads: number;
  enrolled: number;
  alreadyEnrolled: number;
}
