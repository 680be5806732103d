/**
 * The usage roll-up: raw events (usage_events) → daily counts (usage_daily), off the request path.
 *
 * - **Whole days, recomputed.** A day is rolled up by one aggregation — `$match {day}` → `$group` by account, page,
 *   action, browser, OS and device with `$sum: 1` — and each row is upserted with `$max: {count}`. Recounting
 *   makes a re-run (an activity retry, a second roll-up) harmless; `$max` makes two roll-ups racing each other
 *   harmless too: raw events of a day only ever grow until the day is sealed, so the larger count is the newer one,
 *   and a slower run can never write an older, smaller count over a newer one. (Stages and operators all
 *   supported by FerretDB v1.24: `$match`, `$group` with a document `_id` of dotted paths, `$sum`, `distinct`,
 *   `$max` upserts.)
 * - **Incremental, with a watermark.** Every stored event carries `receivedAt`. `rollUpRecent` recomputes the days
 *   of events received between the last watermark and now − ROLL_UP_LAG_MS, then moves the watermark
 *   (`rolledUpThrough`, `$max` again) there. The lag covers a request that stamped `receivedAt` and is still
 *   inserting; one that took longer than half the lag re-stamps its events (lib/usage/ingest.ts). The API and the
 *   worker clocks must agree to well within the lag. `rolledUpThrough` is what GET /api/usage/daily reports.
 * - **Sealed, then deleted.** The retention sweep first seals every day older than the retention: recomputes it one
 *   last time and records `sealed:<day>`; only sealed days have their raw events deleted (whole days), and a sealed
 *   day is never recomputed (its raw events may be partly gone). Ingestion accepts no event older than the
 *   retention less an hour (acceptedWindow in ingest.ts), so a day the sweep seals can no longer receive events
 *   unless a request had been in flight for over an hour. A crash between sealing and deleting, or mid-delete, is
 *   safe: the retry finds the seal and only deletes.
 *
 * A day can thus be recomputed many times while it is retained (each touch of it by late events costs one
 * aggregation of that day); nothing is counted twice and nothing is deleted uncounted.
 */
import type { Models } from '../../models/index.ts';
import { isDuplicateKeyError } from '../mongo.ts';

/** How far the watermark trails the clock: longer than any insert that stamped `receivedAt` may take to land. */
export const ROLL_UP_LAG_MS = 60_000;
const WATERMARK = 'watermark';
const sealId = (day: string) => `sealed:${day}`;

type RollUpModels = Pick<Models, 'UsageEvent' | 'UsageDaily' | 'UsageRollUp'>;

interface GroupRow {
  _id: { day: string; accountId: string; page: string; action: string; browserName: string; browserMajor: string | null; osName: string; device: string };
  count: number;
}

/** Upserts that race another upsert creating the same row hit the unique index: retry those few. */
async function bulkUpsert(model: RollUpModels['UsageDaily'], ops: Parameters<RollUpModels['UsageDaily']['bulkWrite']>[0]) {
  for (let attempt = 0; ops.length; attempt++) {
    try {
      await model.bulkWrite(ops, { ordered: false });
      return;
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
      if (attempt >= 3 || !writeErrors?.length || writeErrors.some((w) => w.code !== 11000)) throw err;
      ops = writeErrors.map((w) => ops[w.index]!);
    }
  }
}

export function createUsageRollUp(models: RollUpModels) {
  const { UsageEvent, UsageDaily, UsageRollUp } = models;

  async function sealedAmong(days: string[]): Promise<Set<string>> {
    if (!days.length) return new Set();
    const docs = await UsageRollUp.find({ _id: { $in: days.map(sealId) } }, { day: 1 }).lean();
    return new Set(docs.map((d) => d.day!));
  }

  /**
   * Recounts whole UTC days from their raw events into usage_daily; returns the number of rows. One aggregation for
   * all the days: FerretDB v1 (SQLite) pushes no filter but `_id` down, so every query reads the whole collection —
   * one pass instead of one per day (on MongoDB the `day` index serves the $match).
   */
  async function rollUpDays(days: string[]): Promise<number> {
    if (!days.length) return 0;
    const rows = await UsageEvent.aggregate<GroupRow>([
      { $match: { day: { $in: days } } },
      {
        $group: {
          _id: { day: '$day', accountId: '$accountId', page: '$page', action: '$action', browserName: '$browser.name', browserMajor: '$browser.major', osName: '$os.name', device: '$device' },
          count: { $sum: 1 },
        },
      },
    ]);
    await bulkUpsert(
      UsageDaily,
      rows.map(({ _id: k, count }) => ({
        updateOne: { filter: { ...k, browserMajor: k.browserMajor ?? null }, update: { $max: { count } }, upsert: true },
      })),
    );
    return rows.length;
  }

  async function setWatermark(through: Date) {
    for (let attempt = 0; ; attempt++) {
      try {
        await UsageRollUp.updateOne({ _id: WATERMARK }, { $max: { rolledUpThrough: through } }, { upsert: true });
        return;
      } catch (err) {
        if (attempt >= 2 || !isDuplicateKeyError(err)) throw err; // two first-ever roll-ups created it at once
      }
    }
  }

  return {

    /** Every event received before this instant is counted in usage_daily; null before the first roll-up. */
    async rolledUpThrough(): Promise<Date | null> {
      return (await UsageRollUp.findById(WATERMARK).lean())?.rolledUpThrough ?? null;
    },

    /** Recomputes the (unsealed) days that received events since the watermark, then moves it to now − lag. */
    async rollUpRecent(now = new Date()): Promise<{ days: string[]; rolledUpThrough: Date }> {
      const from = (await UsageRollUp.findById(WATERMARK).lean())?.rolledUpThrough ?? new Date(0);
      const through = new Date(now.getTime() - ROLL_UP_LAG_MS);
      if (through <= from) return { days: [], rolledUpThrough: from };
      const touched = ((await UsageEvent.distinct('day', { receivedAt: { $gte: from, $lt: through } })) as string[]).sort();
      const sealed = await sealedAmong(touched);
      const days = touched.filter((d) => !sealed.has(d));
      await rollUpDays(days);
      await setWatermark(through);
      return { days, rolledUpThrough: through };
    },

    /** Recomputes the whole days from..to (inclusive) that are not sealed; the watermark does not move. */
    async rollUpRange(from: string, to: string): Promise<string[]> {
      const present = ((await UsageEvent.distinct('day', { day: { $gte: from, $lte: to } })) as string[]).sort();
      const sealed = await sealedAmong(present);
      const days = present.filter((d) => !sealed.has(d));
      await rollUpDays(days);
      return days;
    },

    /** Rolls up one last time and seals every day before `cutoffDay` that has raw events; returns the newly sealed. */
    async sealDaysBefore(cutoffDay: string): Promise<string[]> {
      const present = ((await UsageEvent.distinct('day', { day: { $lt: cutoffDay } })) as string[]).sort();
      const sealed = await sealedAmong(present);
      const days = present.filter((d) => !sealed.has(d));
      await rollUpDays(days);
      for (const day of days) {
        // Only once its counts are written: a crash before this leaves the day unsealed, so undeletable.
        await UsageRollUp.updateOne({ _id: sealId(day) }, { $setOnInsert: { day, sealedAt: new Date() } }, { upsert: true }).catch((err: unknown) => {
          if (!isDuplicateKeyError(err)) throw err;
        });
      }
      return days;
    },

    /** Deletes the raw events of the sealed days before `cutoffDay` — never of a day that is not sealed. */
    async deleteSealedBefore(cutoffDay: string): Promise<{ deleted: number; unsealedDays: string[] }> {
      const present = ((await UsageEvent.distinct('day', { day: { $lt: cutoffDay } })) as string[]).sort();
      const sealed = await sealedAmong(present);
      const days = present.filter((d) => sealed.has(d));
      const deleted = days.length ? (await UsageEvent.deleteMany({ day: { $in: days } })).deletedCount : 0;
      return { deleted, unsealedDays: present.filter((d) => !sealed.has(d)) };
    },
  };
}

/** The first UTC day whose raw events are kept: every day before it holds only events older than the retention. */
export function retentionCutoffDay(retentionDays: number, now = Date.now()): string {
  return new Date(now - retentionDays * 86_400_000).toISOString().slice(0, 10);
}
