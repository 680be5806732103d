/** Field service: technicians' apps send GPS positions (consent and shift checked for every batch). */
import { problemSchema } from '../../schemas/common.ts';
import { positionsBodySchema, positionsResponseSchema, technicianParamsSchema } from '../../schemas/field.ts';
import { createConsents } from '../../lib/consents.ts';
import { createPositionIntake, PositionsRefusedError } from '../../lib/field/positions.ts';
import type { ApiDeps } from '../deps.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';

const REFUSALS = {
  'unknown-technician': null,
  'technician-inactive': 'This technician is inactive; positions are not recorded',
  'location-consent-missing': 'The technician has not given (or has withdrawn) location consent; no position was recorded',
} as const;

export const fieldRoutes = ({ models, positions }: ApiDeps) => {
  const intake = createPositionIntake(models, createConsents(models.Consent));
  return [
    defineRoute({
      method: 'post',
      path: '/api/technicians/:technicianId/positions',
      summary: 'Record a batch of GPS positions of a technician (only with location consent, only during the shift)',
      tag: 'field',
      access: { roles: ['ops', 'admin'], scope: 'positions:write' },
      params: technicianParamsSchema,
      body: positionsBodySchema,
      responses: {
        202: { description: 'positions recorded; those outside the shift listed with their reason', schema: positionsResponseSchema },
        403: { description: 'no location consent (or the technician is inactive): nothing recorded', schema: problemSchema },
        404: { description: 'no such technician', schema: problemSchema },
      },
      async handler({ params, body, res }) {
        try {
          const result = await intake.record(params.technicianId, body.positions);
          // Only what the intake kept goes to the console's live map: a point outside the shift never does.
          const refused = new Set(result.rejected.map((r) => r.index));
          if (positions && result.accepted > 0) {
            body.positions.forEach((p, index) => {
              if (!refused.has(index)) positions.publish({ technicianId: params.technicianId, at: new Date(p.at).toISOString(), lat: p.lat, lng: p.lng });
            });
          }
          res.status(202).json(result);
        } catch (err) {
          if (!(err instanceof PositionsRefusedError)) throw err;
          if (err.reason === 'unknown-technician') throw notFound(`No technician ${params.technicianId}`);
          throw new HttpProblem(403, err.reason, 'Positions refused', REFUSALS[err.reason]);
        }
      },
    }),
  ];
};
