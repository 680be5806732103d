/**
 * Consents: grant and revoke per category, versioned, timestamped, with their source. Every check reads the
 * newest record, so a revocation takes effect for the very next check — there is no cache to expire.
 */
import type { consentModel, ConsentDoc } from '../models/consent.ts';
import { CONSENT_CATEGORIES } from '../models/consent.ts';
import { isDuplicateKeyError } from './mongo.ts';

export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];

export interface ConsentSubject {
  accountId: string;
  subjectType: ConsentDoc['subjectType'];
  subjectId: string;
}

export interface ConsentChange extends ConsentSubject {
  category: ConsentCategory;
  granted: boolean;
  policyVersion: string;
  source: ConsentDoc['source'];
  recordedBy?: string;
}

export interface ConsentState {
  category: ConsentCategory;
  granted: boolean;
  policyVersion: string | null;
  source: string | null;
  at: Date | null;
}

export function createConsents(Consent: ReturnType<typeof consentModel>, clock: () => Date = () => new Date()) {
  const newest = (s: ConsentSubject, category: ConsentCategory) =>
    Consent.findOne({ accountId: s.accountId, subjectType: s.subjectType, subjectId: s.subjectId, category }).sort({ seq: -1 }).lean();

  return {
    /** Appends the change; concurrent changes get distinct sequence numbers through the unique index. */
    async record(change: ConsentChange): Promise<ConsentDoc> {
      for (let attempt = 0; attempt < 20; attempt++) {
        const last = await newest(change, change.category);
        try {
          const doc = await Consent.create({ ...change, at: clock(), seq: (last?.seq ?? 0) + 1 });
          return doc.toObject();
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
      throw new Error(`could not record consent ${change.category} for ${change.subjectType} ${change.subjectId}: contention`);
    },

    /** Whether the subject's newest record for the category is a grant. No record means no consent. */
    async isGranted(s: ConsentSubject, category: ConsentCategory): Promise<boolean> {
      return (await newest(s, category))?.granted === true;
    },

    /** The current state of every category, for the API and the preference centre. */
    async current(s: ConsentSubject): Promise<ConsentState[]> {
      return Promise.all(
        CONSENT_CATEGORIES.map(async (category) => {
          const r = await newest(s, category);
          return { category, granted: r?.granted === true, policyVersion: r?.policyVersion ?? null, source: r?.source ?? null, at: r?.at ?? null };
        }),
      );
    },

    async history(s: ConsentSubject): Promise<ConsentDoc[]> {
      return Consent.find({ accountId: s.accountId, subjectType: s.subjectType, subjectId: s.subjectId }).sort({ at: 1, seq: 1 }).lean();
    },
  };
}

export type Consents = ReturnType<typeof createConsents>;
