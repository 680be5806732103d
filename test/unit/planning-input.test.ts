/**
 * Turning a technician's unavailability into the solver's vehicle (lib/field/planning-input.ts): all day means
 * no new stops; from a later time means a shift that ends then, unless work already begun runs past it or the
 * time has already come.
 */
import { describe, expect, it } from 'vitest';
import { buildPlanningDay, type PlanningJob, type PlanningTechnician } from '../../lib/field/planning-input.ts';

const date = '2031-03-05';
const at = (hhmm: string) => new Date(`${date}T${hhmm}:00Z`);
const shift = { start: '08:00', end: '18:00', timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7] };
const technicians: PlanningTechnician[] = [
  { _id: 'tec_a', startLocation: { lat: 52.5, lng: 13.4 }, shift },
  { _id: 'tec_b', startLocation: { lat: 52.5, lng: 13.4 }, shift },
];
// A's job started at 09:00 and runs an hour: a fixed stop until 10:00.
const jobs: PlanningJob[] = [
  { _id: 'job_begun', location: { lat: 52.51, lng: 13.41 }, serviceMinutes: 60, status: 'in-progress', technicianId: 'tec_a', startedAt: at('09:00') },
  { _id: 'job_open', location: { lat: 52.52, lng: 13.42 }, serviceMinutes: 30, status: 'open' },
];

function vehicles(options: { unavailableFrom?: Record<string, Date>; notBefore?: Date; unavailable?: string[] }) {
  const day = buildPlanningDay({ date, technicians, jobs, unavailable: ['tec_a'], ...options });
  const s = (d: Date) => (d.getTime() - day.baseMs) / 1000;
  const [a, b] = day.problem.vehicles;
  return { a: a!, b: b!, s };
}

describe('buildPlanningDay: a technician unavailable', () => {
  it('all day: no new stops (nothing free before the shift ends); the others unchanged', () => {
    const { a, b, s } = vehicles({});
    expect(a.shift).toEqual([s(at('08:00')), s(at('18:00'))]);
    expect(a.availableFrom).toBe(s(at('18:00')));
    expect(b.availableFrom).toBeUndefined();
  });

  it('from a later time: the shift ends then, new stops before it allowed', () => {
    const { a, s } = vehicles({ unavailableFrom: { tec_a: at('14:00') } });
    expect(a.shift).toEqual([s(at('08:00')), s(at('14:00'))]);
    expect(a.availableFrom).toBeUndefined();
  });

  it('from a time before the begun work ends: no new stops, the shift kept so the fixed stop still fits', () => {
    const { a, s } = vehicles({ unavailableFrom: { tec_a: at('09:30') } });
    expect(a.shift).toEqual([s(at('08:00')), s(at('18:00'))]);
    expect(a.availableFrom).toBe(s(at('18:00')));
  });

  it('from a time already past when re-planning: no new stops', () => {
    const { a, s } = vehicles({ unavailableFrom: { tec_a: at('14:00') }, notBefore: at('15:00') });
    expect(a.availableFrom).toBe(s(at('18:00')));
  });

  it('a time for a technician not marked unavailable changes nothing', () => {
    const { b, s } = vehicles({ unavailableFrom: { tec_b: at('14:00') } });
    expect(b.availableFrom).toBeUndefined();
    expect(b.shift).toEqual([s(at('08:00')), s(at('18:00'))]);
  });
});
