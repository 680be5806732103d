/**
 * Privacy-policy versions and who acknowledged them, shared by the API and the notice activities.
 *
 * Audience: the policy speaks to the people who use LORO — the console users (models/user.ts: staff who sign in
 * here) and the owners of customer accounts (models/account.ts: the CRM's customers, who sign in to the CRM
 * front end). Both are told of a new version; console users mark it seen and accepted through this engine's API.
 * Account owners' acceptance belongs to the CRM front end (not built here): the records already have room for it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Models } from '../models/index.ts';
import type { PolicyAudience } from '../models/policy-acknowledgement.ts';
import { isDuplicateKeyError } from './mongo.ts';

export const policyTextSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The policy the engine ships with: version 1, in effect since its "Last updated" date. */
export const SEED_POLICY = {
  version: 1,
  file: new URL('../policy/privacy-policy-v1.txt', import.meta.url),
  effectiveAt: new Date('2025-11-28T00:00:00Z'),
  summary: 'The privacy policy LORO CRM started with.',
} as const;

const seeded = new WeakSet<object>();

/** Stores version 1 from policy/privacy-policy-v1.txt when no version exists yet (once per process; safe in parallel). */
export async function ensureSeedPolicy(models: Models): Promise<void> {
  if (seeded.has(models.PolicyVersion)) return;
  if (!(await models.PolicyVersion.exists({}))) {
    const text = await readFile(SEED_POLICY.file, 'utf8');
    try {
      await models.PolicyVersion.create({
        _id: SEED_POLICY.version,
        effectiveAt: SEED_POLICY.effectiveAt,
        summary: SEED_POLICY.summary,
        text,
        sha256: policyTextSha256(text),
        publishedAt: new Date(),
        publishedBy: 'seed',
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  seeded.add(models.PolicyVersion);
}

/** The newest published version: the one people are asked to accept. */
export async function currentPolicy(models: Models) {
  await ensureSeedPolicy(models);
  return models.PolicyVersion.findOne().sort({ _id: -1 }).lean();
}

export const acknowledgementId = (version: number, subjectType: PolicyAudience, subjectId: string) => `${version}:${subjectType}:${subjectId}`;

export type AcknowledgementStep = 'notifiedAt' | 'seenAt' | 'acceptedAt';

/**
 * Records that a person was notified of, saw or accepted a version. Only the first time counts: a later call
 * leaves the timestamp as it is.
 */
export async function stampAcknowledgement(models: Models, version: number, subject: { type: PolicyAudience; id: string }, steps: AcknowledgementStep[], at = new Date()) {
  const _id = acknowledgementId(version, subject.type, subject.id);
  for (const step of steps) {
    try {
      // Matches only while the step is unset; when the record exists with it set, the upsert's insert hits the
      // unique _id and the first timestamp stays.
      await models.PolicyAcknowledgement.updateOne(
        { _id, [step]: null },
        { $set: { [step]: at }, $setOnInsert: { version, subjectType: subject.type, subjectId: subject.id } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}

export const findAcknowledgement = (models: Models, version: number, subject: { type: PolicyAudience; id: string }) =>
  models.PolicyAcknowledgement.findById(acknowledgementId(version, subject.type, subject.id)).lean();

/** Who the notice goes to, counted now. */
export async function countPolicyAudience(models: Models) {
  const [users, accountOwners] = await Promise.all([models.User.countDocuments({ disabled: { $ne: true } }), models.Account.countDocuments({ status: 'active' })]);
  return { users, accountOwners };
}

/** Counts of notified, seen and accepted per audience for one version, for the console. */
export async function policyStats(models: Models, version: number) {
  const count = (subjectType: PolicyAudience, step: AcknowledgementStep) => models.PolicyAcknowledgement.countDocuments({ version, subjectType, [step]: { $ne: null } });
  const [audience, uN, uS, uA, oN, oS, oA] = await Promise.all([
    countPolicyAudience(models),
    count('user', 'notifiedAt'),
    count('user', 'seenAt'),
    count('user', 'acceptedAt'),
    count('account-owner', 'notifiedAt'),
    count('account-owner', 'seenAt'),
    count('account-owner', 'acceptedAt'),
  ]);
  return {
    users: { active: audience.users, notified: uN, seen: uS, accepted: uA },
    accountOwners: { active: audience.accountOwners, notified: oN, seen: oS, accepted: oA },
  };
}
