/**
 * Consents: grant and revoke per category, versioned, timestamped, with their source. Every check reads the
 * newest record, so a revocation takes effect for the very next check — there is no cache to expire.
 */
import type { consentModel, ConsentDoc } from '../models/consent.ts';
import { CONSENT_CATEGORIES, consentRecordId } from '../models/consent.ts';
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
  /** The subject's records of one category, oldest first: numbered from 1 without gaps, read by ID. */
  const records = async (s: ConsentSubject, category: ConsentCategory): Promise<ConsentDoc[]> => {
    const found: ConsentDoc[] = [];
    for (let seq = 1; ; seq++) {
      const doc = await Consent.findById(consentRecordId({ ...s, category, seq })).lean<ConsentDoc>();
      if (!doc) return found;
      found.push(doc);
    }
  };
  const newest = async (s: ConsentSubject, category: ConsentCategory) => (await records(s, category)).at(-1) ?? null;

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
      const all = (await Promise.all(CONSENT_CATEGORIES.map((category) => records(s, category)))).flat();
      return all.sort((a, b) => a.at.getTime() - b.at.getTime() || a.seq - b.seq);
    },
  };
}

export type Consents = ReturnType<typeof createConsents>;
