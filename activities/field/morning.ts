/** Which regions' planning days begin now (the hourly morning trigger): IDs, dates and instants only. */
import type { Models } from '../../models/index.ts';
import { regionsDue, type PlanningDay, type PlanningTimes } from '../../lib/field/planning-day.ts';

export function createMorningActivities({ models, planningTimes }: { models: Models; planningTimes: PlanningTimes }) {
  return {
    async planningDaysDue(firedAt: string): Promise<PlanningDay[]> {
      return regionsDue(models, new Date(firedAt), planningTimes);
    },
  };
}
