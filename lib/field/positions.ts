/**
 * GPS positions from technicians' apps. The policy allows location data only with the technician's permission:
 * every batch checks the newest location consent first (a revocation stops the very next batch) and keeps
 * only points taken during the shift. Nothing is stored for a refused batch; positions are stored encrypted.
 */
import { randomUUID } from 'node:crypto';
import type { Models } from '../../models/index.ts';
import type { Consents } from '../consents.ts';
import { isWithinShift } from './shift.ts';

export interface PositionInput {
  at: string;
  lat: number;
  lng: number;
  accuracy?: number;
}

export type PositionRejection = 'outside-shift' | 'in-the-future';
export interface PositionIntakeResult {
  accepted: number;
  rejected: { index: number; reason: PositionRejection }[];
}

/** Why a whole batch is refused: for the app to show its user, never containing a position. */
export class PositionsRefusedError extends Error {
  override name = 'PositionsRefusedError';
  constructor(
    readonly technicianId: string,
    readonly reason: 'unknown-technician' | 'technician-inactive' | 'location-consent-missing',
  ) {
    super(`positions of technician ${technicianId} refused: ${reason}`);
  }
}

/** Positions more than this far ahead of the server's clock are refused (a clock gone wrong, not a shift). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export function createPositionIntake(models: Pick<Models, 'Technician' | 'LocationPoint'>, consents: Consents, clock: () => Date = () => new Date()) {
  return {
    async record(technicianId: string, positions: PositionInput[]): Promise<PositionIntakeResult> {
      const technician = await models.Technician.findById(technicianId, { accountId: 1, shift: 1, active: 1 }).lean();
      if (!technician) throw new PositionsRefusedError(technicianId, 'unknown-technician');
      if (!technician.active) throw new PositionsRefusedError(technicianId, 'technician-inactive');
      const granted = await consents.isGranted({ accountId: technician.accountId, subjectType: 'technician', subjectId: technicianId }, 'location');
      if (!granted) throw new PositionsRefusedError(technicianId, 'location-consent-missing');

      const now = clock();
      const rejected: PositionIntakeResult['rejected'] = [];
      const points = [];
      for (const [index, p] of positions.entries()) {
        const at = new Date(p.at);
        if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) rejected.push({ index, reason: 'in-the-future' });
        else if (!isWithinShift(technician.shift, at)) rejected.push({ index, reason: 'outside-shift' });
        else {
          const position = p.accuracy === undefined ? { lat: p.lat, lng: p.lng } : { lat: p.lat, lng: p.lng, accuracy: p.accuracy };
          points.push({ _id: `pos_${randomUUID().replaceAll('-', '')}`, accountId: technician.accountId, technicianId, at, position, receivedAt: now });
        }
      }
      if (points.length) await models.LocationPoint.insertMany(points);
      return { accepted: points.length, rejected };
    },
  };
}
