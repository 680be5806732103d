/**
 * When a region's planning day runs, in the region's own zone: the morning start (PLANNING_LOCAL_TIME), the
 * approval cutoff and the end of the working day, as instants for the DailyRoutePlanning workflow. A region's zone
 * is its technicians' (the most common one among the active).
 */
import type { Models } from '../../models/index.ts';
import { localClock, localDate, zonedInstant } from './shift.ts';

export interface PlanningTimes {
  /** Local HH:MM. */
  start: string;
  approvalCutoff: string;
  dayEnd: string;
}

export interface PlanningDay {
  accountId: string;
  region: string;
  date: string;
  timeZone: string;
  approvalCutoffAt: string;
  dayEndAt: string;
}

export async function regionsWithZones(models: Pick<Models, 'Technician'>, filter: { accountId?: string; region?: string } = {}) {
  const techs = await models.Technician.find({ active: true, ...filter }, { accountId: 1, region: 1, shift: 1 }).lean();
  const zones = new Map<string, Map<string, number>>();
  for (const t of techs) {
    const key = `${t.accountId}\u0000${t.region}`;
    const counts = zones.get(key) ?? new Map<string, number>();
    counts.set(t.shift.timeZone, (counts.get(t.shift.timeZone) ?? 0) + 1);
    zones.set(key, counts);
  }
  return [...zones].map(([key, counts]) => {
    const [accountId, region] = key.split('\u0000') as [string, string];
    const timeZone = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    return { accountId, region, timeZone };
  });
}

export function planningDay(r: { accountId: string; region: string; timeZone: string }, date: string, times: PlanningTimes): PlanningDay {
  return {
    ...r,
    date,
    approvalCutoffAt: zonedInstant(date, times.approvalCutoff, r.timeZone).toISOString(),
    dayEndAt: zonedInstant(date, times.dayEnd, r.timeZone).toISOString(),
  };
}

/** The regions whose local planning time falls in the hour starting at `firedAt` (the scheduler fires hourly). */
export async function regionsDue(models: Pick<Models, 'Technician'>, firedAt: Date, times: PlanningTimes): Promise<PlanningDay[]> {
  const startMinutes = Number(times.start.slice(0, 2)) * 60 + Number(times.start.slice(3, 5));
  return (await regionsWithZones(models))
    .filter((r) => {
      const { minutes } = localClock(firedAt, r.timeZone);
      return minutes <= startMinutes && startMinutes < minutes + 60;
    })
    .map((r) => planningDay(r, localDate(firedAt, r.timeZone), times));
}
