/**
 * The sales pipeline of a lead: new → nurturing → qualified → converted, and lost from any open stage. A
 * converted or lost lead is final (a lost lead that comes back is a new lead: its history stays as it was).
 */
import type { LEAD_STATUSES } from '../../models/lead.ts';

export type LeadStatus = (typeof LEAD_STATUSES)[number];

export const LEAD_TRANSITIONS: Readonly<Record<LeadStatus, readonly LeadStatus[]>> = {
  new: ['nurturing', 'lost'],
  nurturing: ['qualified', 'lost'],
  qualified: ['converted', 'lost'],
  converted: [],
  lost: [],
};

/** A status change the pipeline does not allow; `allowed` lists the moves from `from`. */
export class IllegalStatusTransitionError extends Error {
  override name = 'IllegalStatusTransitionError';
  readonly allowed: readonly LeadStatus[];
  constructor(
    readonly from: LeadStatus,
    readonly to: LeadStatus,
  ) {
    const allowed = LEAD_TRANSITIONS[from];
    super(`A lead cannot move from ${from} to ${to}; ${allowed.length ? `from ${from} it can move to: ${allowed.join(', ')}` : `${from} is final`}`);
    this.allowed = allowed;
  }
}

/** Throws IllegalStatusTransitionError unless `from → to` is a step of the pipeline (staying put is no move). */
export function assertTransition(from: LeadStatus, to: LeadStatus): void {
  if (from !== to && !LEAD_TRANSITIONS[from].includes(to)) throw new IllegalStatusTransitionError(from, to);
}
