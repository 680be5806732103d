/** The dashboard's figures from MongoDB: today's route plans, enrollments, mail sent, accounts awaiting their purge. */
import type { Models } from '../../models/index.ts';
import { regionsWithZones } from '../../lib/field/planning-day.ts';
import { localDate } from '../../lib/field/shift.ts';

const DAY = 86_400_000;
const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * The newest version of each region's plan for the region's own today (its technicians' zone; UTC without
 * them). Local today is within a day of UTC today everywhere, so three dates are all there is to read.
 */
export async function todaysRoutePlans(models: Models, now: Date) {
  const dates = [-1, 0, 1].map((d) => utcDay(new Date(now.getTime() + d * DAY)));
  const [plans, zones] = await Promise.all([
    models.RoutePlan.find(
      { date: { $in: dates }, status: { $ne: 'superseded' } },
      { accountId: 1, region: 1, date: 1, version: 1, status: 1, technicians: 1, estimated: 1, routes: 1, unassigned: 1 },
    ).lean(),
    regionsWithZones(models),
  ]);
  const zoneOf = new Map(zones.map((z) => [`${z.accountId}\u0000${z.region}`, z.timeZone]));
  const newest = new Map<string, (typeof plans)[number]>();
  for (const plan of plans) {
    const key = `${plan.accountId}\u0000${plan.region}`;
    if (plan.date !== localDate(now, zoneOf.get(key) ?? 'UTC')) continue;
    if ((newest.get(key)?.version ?? 0) < plan.version) newest.set(key, plan);
  }
  return [...newest.values()]
    .sort((a, b) => a.region.localeCompare(b.region) || a.accountId.localeCompare(b.accountId))
    .map((p) => ({
      planId: String(p._id),
      accountId: p.accountId,
      region: p.region,
      date: p.date,
      version: p.version,
      status: p.status as 'draft' | 'approved' | 'published',
      technicians: p.technicians ?? p.routes.length,
      assigned: new Set(p.routes.flatMap((r) => r.stops.map((s) => s.jobId))).size,
      unassigned: p.unassigned.length,
      estimated: p.estimated,
    }));
}

export async function enrollmentCounts(models: Models) {
  const rows = await models.Enrollment.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]);
  const n = (status: string) => rows.find((r) => r._id === status)?.n ?? 0;
  return { active: n('running'), completed: n('completed') + n('goal-reached'), stopped: n('stopped') };
}

/** Mail the send ledger marked sent, per UTC day, the 7 days ending today (a count per day: no document is read). */
export async function sendsPerDay(models: Models, now: Date) {
  const today = Date.parse(utcDay(now));
  const starts = Array.from({ length: 7 }, (_, i) => today - (6 - i) * DAY);
  const days = await Promise.all(
    starts.map(async (start) => ({
      date: utcDay(new Date(start)),
      sent: await models.Notification.countDocuments({ status: 'sent', sentAt: { $gte: new Date(start), $lt: new Date(start + DAY) } }),
    })),
  );
  return { today: days.at(-1)!.sent, last7Days: days.reduce((sum, d) => sum + d.sent, 0), days };
}

/** Accounts in their grace period, soonest purge first; any active legal hold in an account suspends its purge. */
export async function pendingDeletions(models: Models, limit: number) {
  const accounts = await models.Account.find({ status: 'cancellation-pending' }, { cancellation: 1 }).lean();
  const pending = accounts
    .filter((a) => a.cancellation?.purgeAt)
    .map((a) => ({ accountId: String(a._id), requestedAt: a.cancellation?.requestedAt ?? undefined, purgeAt: a.cancellation!.purgeAt! }))
    .sort((a, b) => a.purgeAt.getTime() - b.purgeAt.getTime() || a.accountId.localeCompare(b.accountId));
  const shown = pending.slice(0, limit);
  const holds = shown.length
    ? await models.LegalHold.find({ accountId: { $in: shown.map((p) => p.accountId) }, releasedAt: null }, { accountId: 1 }).lean()
    : [];
  const held = new Set(holds.map((h) => h.accountId));
  return {
    total: pending.length,
    items: shown.map((p) => ({
      accountId: p.accountId,
      ...(p.requestedAt ? { requestedAt: p.requestedAt.toISOString() } : {}),
      purgeAt: p.purgeAt.toISOString(),
      held: held.has(p.accountId),
    })),
  };
}
