// The sequence editor's form model: every field as the person typed it (so a wrong value can be sent, refused by
// the API and shown in place), converted to and from the definition the API stores. Steps carry a key of their
// own, so errors stay with their step when steps are moved after a save was refused.
import {
  DEFAULT_SEND_WINDOW,
  WEEKDAYS,
  type EntryCriteria,
  type SequenceDefinition,
  type StepDef,
  type Weekday,
} from '../../lib/api/sequences';

export type StepType = StepDef['type'];
export const STEP_TYPES: readonly StepType[] = ['email', 'wait', 'branch', 'task'];
export type Goal = NonNullable<SequenceDefinition['goals']>[number];

export interface DraftStep {
  key: string;
  id: string;
  type: StepType;
  category: 'marketing' | 'service';
  subject: string;
  body: string;
  duration: string;
  on: 'opened' | 'clicked' | 'replied';
  within: string;
  step: string;
  then: string;
  else: string;
  title: string;
  dueIn: string;
}

export interface Draft {
  name: string;
  description: string;
  /** Off: the engine's default window (Mon–Fri 09:00–17:00 in each lead's zone). */
  customWindow: boolean;
  days: Weekday[];
  start: string;
  end: string;
  holidays: string[];
  goals: Goal[];
  /** Off: leads are enrolled by hand only (no entry criteria). */
  autoEnroll: boolean;
  /** Comma-separated as typed; empty: any source. */
  sources: string;
  /** As typed; empty: any score. */
  minScore: string;
  steps: DraftStep[];
}

export const ALL_GOALS: readonly Goal[] = ['replied', 'meeting-booked', 'converted'];

let keys = 0;
const nextKey = () => `s${++keys}`;

const blankStep = (type: StepType, id: string): DraftStep => ({
  key: nextKey(),
  id,
  type,
  category: 'marketing',
  subject: '',
  body: '',
  duration: type === 'wait' ? 'P2D' : '',
  on: 'opened',
  within: type === 'branch' ? 'P3D' : '',
  step: '',
  then: '',
  else: '',
  title: '',
  dueIn: '',
});

/** A new step of `type` with an ID not used yet (`wait-2`). */
export function newStep(type: StepType, steps: readonly DraftStep[]): DraftStep {
  const used = new Set(steps.map((s) => s.id));
  let n = steps.length + 1;
  while (used.has(`${type}-${n}`)) n++;
  return blankStep(type, `${type}-${n}`);
}

export function emptyDraft(): Draft {
  return {
    name: '',
    description: '',
    customWindow: false,
    days: [...DEFAULT_SEND_WINDOW.days],
    start: DEFAULT_SEND_WINDOW.start,
    end: DEFAULT_SEND_WINDOW.end,
    holidays: [],
    goals: [...ALL_GOALS],
    autoEnroll: false,
    sources: '',
    minScore: '',
    steps: [blankStep('email', 'email-1')],
  };
}

export function draftOf(def: SequenceDefinition): Draft {
  const w = def.sendWindow;
  const entry = def.entryCriteria;
  return {
    name: def.name ?? '',
    description: def.description ?? '',
    customWindow: Boolean(w),
    days: [...(w?.days ?? DEFAULT_SEND_WINDOW.days)],
    start: w?.start ?? DEFAULT_SEND_WINDOW.start,
    end: w?.end ?? DEFAULT_SEND_WINDOW.end,
    holidays: [...(w?.holidays ?? [])],
    goals: [...(def.goals ?? ALL_GOALS)],
    autoEnroll: Boolean(entry),
    sources: (entry?.sources ?? []).join(', '),
    minScore: entry?.minScore === undefined ? '' : String(entry.minScore),
    steps: (def.steps ?? []).map((s) => {
      const d = blankStep(s.type, s.id);
      switch (s.type) {
        case 'email':
          return { ...d, category: s.category, subject: s.subject, body: s.body };
        case 'wait':
          return { ...d, duration: s.duration };
        case 'branch':
          return { ...d, on: s.on, within: s.within, step: s.step ?? '', then: s.then, else: s.else ?? '' };
        case 'task':
          return { ...d, title: s.title, dueIn: s.dueIn ?? '' };
        default:
          return d;
      }
    }),
  };
}

/** Empty fields are left out: the API then names the missing required ones, each at its own pointer. */
function given<T extends Record<string, string>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim() !== '')) as Partial<T>;
}

function stepOf(s: DraftStep): StepDef {
  const base = { id: s.id.trim(), type: s.type };
  switch (s.type) {
    case 'email':
      return { ...base, category: s.category, ...given({ subject: s.subject, body: s.body }) } as StepDef;
    case 'wait':
      return { ...base, ...given({ duration: s.duration.trim() }) } as StepDef;
    case 'branch':
      return { ...base, on: s.on, ...given({ within: s.within.trim(), step: s.step, then: s.then, else: s.else }) } as StepDef;
    case 'task':
      return { ...base, ...given({ title: s.title, dueIn: s.dueIn.trim() }) } as StepDef;
  }
}

/** The sources typed, comma-separated: trimmed, without empty ones or repeats, in the order typed. */
export function sourcesOf(text: string): string[] {
  return [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
}

/** A number is sent as one; anything else as typed, so the API's refusal shows under the field. */
function entryCriteriaOf(d: Draft): EntryCriteria {
  const sources = sourcesOf(d.sources);
  const min = d.minScore.trim();
  const score = Number(min);
  return {
    ...(sources.length ? { sources } : {}),
    ...(min ? { minScore: Number.isFinite(score) ? score : (min as unknown as number) } : {}),
  };
}

/** What is sent: the API validates it as a whole (the console does not second-guess its rules). */
export function definitionOf(d: Draft): SequenceDefinition {
  return {
    name: d.name.trim(),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    ...(d.customWindow ? { sendWindow: { days: WEEKDAYS.filter((w) => d.days.includes(w)), start: d.start, end: d.end, holidays: [...d.holidays] } } : {}),
    goals: ALL_GOALS.filter((g) => d.goals.includes(g)),
    ...(d.autoEnroll ? { entryCriteria: entryCriteriaOf(d) } : {}),
    steps: d.steps.map(stepOf),
  } as SequenceDefinition;
}
