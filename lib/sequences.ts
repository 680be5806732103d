/**
 * Sequence definitions: validation that reports every error at once (the JSON Schema of the top level and of each
 * step's type, then what a schema cannot say: unknown step types, negative or malformed waits, template variables
 * that do not exist, gotos to missing steps, duplicate step IDs, windows that never open), the plan the workflow
 * runs (structure only) and template rendering.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describe } from '../api/validate.ts';
import { sequenceDefinitionSchema, stepSchemas, TEMPLATE_VARIABLES, type EMAIL_CATEGORIES } from '../schemas/sequences.ts';
import type { NurturingPlan, PlanStep, SequenceGoal } from '../contracts/nurturing.ts';
import { DEFAULT_SEND_WINDOW, isValidTimeZone, parseDurationMs, type SendWindow, type Weekday } from '../workflows/send-window.ts';

export type EmailStepDef = { id: string; type: 'email'; category: (typeof EMAIL_CATEGORIES)[number]; subject: string; body: string };
export type StepDef =
  | EmailStepDef
  | { id: string; type: 'wait'; duration: string }
  | { id: string; type: 'branch'; on: 'opened' | 'clicked' | 'replied'; within: string; step?: string; then: string; else?: string }
  | { id: string; type: 'task'; title: string; dueIn?: string };

export interface SequenceDefinition {
  name: string;
  description?: string;
  sendWindow?: { days: Weekday[]; start: string; end: string; holidays?: string[] };
  goals?: SequenceGoal[];
  /** Present: new leads that match are enrolled automatically (lib/leads/entry-criteria.ts). */
  entryCriteria?: EntryCriteria;
  steps: StepDef[];
}

export interface EntryCriteria {
  sources?: string[];
  minScore?: number;
}

export interface DefinitionError {
  path: string;
  message: string;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
addFormats.default(ajv);
const validateTop = ajv.compile(sequenceDefinitionSchema);
const validateStep: Record<string, ValidateFunction> = Object.fromEntries(Object.entries(stepSchemas).map(([type, schema]) => [type, ajv.compile(schema)]));

const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const KNOWN_VARIABLES = new Set<string>(TEMPLATE_VARIABLES);

/** Validates a whole definition; `path` is relative to `base` (e.g. `/body/definition`). Defaults are filled in. */
export function validateSequenceDefinition(input: unknown, base = ''): { ok: true; definition: SequenceDefinition } | { ok: false; errors: DefinitionError[] } {
  const def = structuredClone(input) as Record<string, unknown>;
  const errors: DefinitionError[] = [];
  const at = (path: string, message: string) => errors.push({ path: `${base}${path}`, message });
  if (!validateTop(def)) {
    for (const e of validateTop.errors!) {
      const d = describe('', e);
      errors.push({ path: `${base}${d.path.slice(1)}`, message: d.message });
    }
  }
  const steps = Array.isArray(def?.steps) ? (def.steps as Record<string, unknown>[]) : [];
  const ids = new Map<string, number>();
  steps.forEach((s, i) => {
    if (typeof s?.id !== 'string') return;
    if (ids.has(s.id)) at(`/steps/${i}/id`, `duplicate step id '${s.id}' (also step ${ids.get(s.id)})`);
    else ids.set(s.id, i);
  });
  const kindOf = (id: string) => steps[ids.get(id) ?? -1]?.type;

  const checkTemplate = (path: string, text: unknown) => {
    if (typeof text !== 'string') return;
    for (const name of templateVariables(text)) {
      if (!KNOWN_VARIABLES.has(name)) at(path, `unknown template variable {{${name}}} (known: ${TEMPLATE_VARIABLES.join(', ')})`);
    }
  };
  const checkDuration = (path: string, text: unknown, { positive = false, allowWindow = false } = {}) => {
    if (typeof text !== 'string') return;
    if (allowWindow && text === 'next-send-window') return;
    const ms = parseDurationMs(text);
    if (ms === undefined) at(path, `'${text}' is not an ISO-8601 duration of weeks, days, hours, minutes or seconds${allowWindow ? ' (or next-send-window)' : ''}`);
    else if (ms < 0) at(path, 'must not be negative');
    else if (positive && ms === 0) at(path, 'must be longer than zero');
  };
  const checkGoto = (path: string, target: unknown) => {
    if (typeof target === 'string' && !ids.has(target)) at(path, `goto to a missing step '${target}'`);
  };

  steps.forEach((s, i) => {
    if (!s || typeof s !== 'object') return;
    const type = s.type;
    const validate = typeof type === 'string' ? validateStep[type] : undefined;
    if (!validate) {
      if (typeof type === 'string') at(`/steps/${i}/type`, `unknown step type '${type}' (one of ${Object.keys(stepSchemas).join(', ')})`);
      return;
    }
    if (!validate(s)) {
      for (const e of validate.errors!) {
        const d = describe('', e);
        const path = d.path.slice(1);
        if (path === '/type' || path === '/id') continue; // checked by the top-level schema already
        errors.push({ path: `${base}/steps/${i}${path}`, message: d.message });
      }
    }
    switch (type) {
      case 'email':
        checkTemplate(`/steps/${i}/subject`, s.subject);
        checkTemplate(`/steps/${i}/body`, s.body);
        break;
      case 'wait':
        checkDuration(`/steps/${i}/duration`, s.duration, { allowWindow: true });
        break;
      case 'task':
        checkTemplate(`/steps/${i}/title`, s.title);
        if (s.dueIn !== undefined) checkDuration(`/steps/${i}/dueIn`, s.dueIn);
        break;
      case 'branch': {
        checkDuration(`/steps/${i}/within`, s.within, { positive: true });
        checkGoto(`/steps/${i}/then`, s.then);
        checkGoto(`/steps/${i}/else`, s.else);
        if (typeof s.step === 'string') {
          if (!ids.has(s.step)) at(`/steps/${i}/step`, `missing step '${s.step}'`);
          else if (kindOf(s.step) !== 'email') at(`/steps/${i}/step`, `step '${s.step}' is not an email step`);
        } else if (!steps.slice(0, i).some((p) => p?.type === 'email')) {
          at(`/steps/${i}`, 'a branch needs an email step before it (or `step` naming one)');
        }
        break;
      }
    }
  });

  const w = def?.sendWindow as { start?: unknown; end?: unknown; days?: unknown } | undefined;
  if (w && typeof w.start === 'string' && typeof w.end === 'string' && /^\d\d:\d\d$/.test(w.start) && /^\d\d:\d\d$/.test(w.end) && w.start >= w.end) {
    at('/sendWindow/end', `must be later than start (${w.start})`);
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, definition: def as unknown as SequenceDefinition };
}

export const sendWindowOf = (def: SequenceDefinition): SendWindow =>
  def.sendWindow ? { days: def.sendWindow.days, start: def.sendWindow.start, end: def.sendWindow.end, holidays: def.sendWindow.holidays ?? [] } : DEFAULT_SEND_WINDOW;

/**
 * The structure the workflow runs for a lead in `timeZone`: IDs, types, waits in milliseconds, gotos; no template
 * text. A zone this runtime does not know plans in UTC.
 */
export function planOf(def: SequenceDefinition, timeZone: string): NurturingPlan {
  const ms = (text: string) => parseDurationMs(text)!;
  const steps: PlanStep[] = def.steps.map((s, i) => {
    switch (s.type) {
      case 'email':
        return { id: s.id, type: 'email', category: s.category };
      case 'wait':
        return { id: s.id, type: 'wait', durationMs: s.duration === 'next-send-window' ? null : ms(s.duration) };
      case 'task':
        return { id: s.id, type: 'task', dueInMs: s.dueIn ? ms(s.dueIn) : null };
      case 'branch': {
        const ofStep = s.step ?? [...def.steps.slice(0, i)].reverse().find((p) => p.type === 'email')!.id;
        return { id: s.id, type: 'branch', on: s.on, withinMs: ms(s.within), ofStep, then: s.then, else: s.else ?? null };
      }
    }
  });
  return { steps, window: sendWindowOf(def), goals: def.goals ?? ['replied', 'meeting-booked', 'converted'], timeZone: isValidTimeZone(timeZone) ? timeZone : 'UTC' };
}

/** The variables a template uses (by name, without braces). */
export function templateVariables(template: string): Set<string> {
  return new Set([...template.matchAll(VARIABLE)].map((m) => m[1]!));
}

/** Fills `{{variable}}`; validation guarantees only known variables occur. Missing values become empty text. */
export function renderTemplate(template: string, vars: Partial<Record<(typeof TEMPLATE_VARIABLES)[number], string>>): string {
  return template.replace(VARIABLE, (_, name: string) => vars[name as keyof typeof vars] ?? '');
}
