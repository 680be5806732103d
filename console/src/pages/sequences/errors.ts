// The API's 400 for a definition lists every error with a JSON pointer (`/body/definition/steps/1/duration`).
// These helpers find the field each one names: by pointer for the top level, by step key for steps (indices
// are those of the steps as they were sent).
import { DEFINITION_POINTER } from '../../lib/api/sequences';

export interface DefinitionError {
  /** A pointer into the definition (`/steps/1/duration`), or the request's path when outside it. */
  pointer: string;
  message: string;
  /** Outside the definition (e.g. the account): shown in the summary only. */
  outside: boolean;
}

export interface RefusedSave {
  errors: DefinitionError[];
  /** The step keys in the order they were sent: `/steps/<i>` names stepKeys[i]. */
  stepKeys: string[];
}

export function fromProblem(errors: readonly { path: string; message: string }[], stepKeys: string[]): RefusedSave {
  return {
    stepKeys,
    errors: errors.map((e) =>
      e.path === DEFINITION_POINTER || e.path.startsWith(`${DEFINITION_POINTER}/`)
        ? { pointer: e.path.slice(DEFINITION_POINTER.length), message: e.message, outside: false }
        : { pointer: e.path, message: e.message, outside: true },
    ),
  };
}

const STEP = /^\/steps\/(\d+)(?:\/([^/]+))?/;

/** Messages for a top-level pointer (`/name`, `/sendWindow/end`); `nested` also takes `/sendWindow/holidays/2`. */
export function messagesAt(refused: RefusedSave | null, pointer: string, nested = false): string[] {
  if (!refused) return [];
  return refused.errors.filter((e) => !e.outside && (e.pointer === pointer || (nested && e.pointer.startsWith(`${pointer}/`)))).map((e) => e.message);
}

/** The errors of one step, by the field they name (`''` for the step as a whole). */
export function stepMessages(refused: RefusedSave | null, key: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!refused) return out;
  const index = refused.stepKeys.indexOf(key);
  if (index < 0) return out;
  for (const e of refused.errors) {
    const m = STEP.exec(e.pointer);
    if (e.outside || !m || Number(m[1]) !== index) continue;
    const field = m[2] ?? '';
    out.set(field, [...(out.get(field) ?? []), e.message]);
  }
  return out;
}

/** The DOM id of the field an error names, for the summary's links. */
export function fieldDomId(refused: RefusedSave, e: DefinitionError): string | null {
  if (e.outside) return null;
  const m = STEP.exec(e.pointer);
  if (m) {
    const key = refused.stepKeys[Number(m[1])];
    return key ? `seq-step-${key}-${m[2] ?? 'card'}` : null;
  }
  const [first, second] = e.pointer.split('/').filter(Boolean);
  if (!first) return null;
  return (first === 'sendWindow' || first === 'entryCriteria') && second ? `seq-${first}-${second}` : `seq-${first}`;
}

/** "Step 2 (wait-2) · duration", "Send window · end", "Automatic enrollment · minimum score", "Name". */
export function placeOf(refused: RefusedSave, e: DefinitionError, stepIdOf: (key: string) => string | undefined): string {
  if (e.outside) return e.pointer.split('/').filter(Boolean).at(-1) ?? 'Request';
  const m = STEP.exec(e.pointer);
  if (m) {
    const key = refused.stepKeys[Number(m[1])];
    const id = key ? stepIdOf(key) : undefined;
    return `Step ${Number(m[1]) + 1}${id ? ` (${id})` : ''}${m[2] ? ` · ${m[2]}` : ''}`;
  }
  const parts = e.pointer.split('/').filter(Boolean);
  const names: Record<string, string> = { name: 'Name', description: 'Description', sendWindow: 'Send window', goals: 'Goals', entryCriteria: 'Automatic enrollment', steps: 'Steps', minScore: 'minimum score' };
  return parts.length ? parts.map((p) => names[p] ?? p).join(' · ') : 'The sequence';
}
