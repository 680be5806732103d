// Joins a plan version (IDs and times) with the region's technicians and jobs (names and places) into what the
// map, the timelines and the unassigned table draw.
import type { Job, LatLng, PlanVersion, Technician } from '../../lib/api/field';
import { decodePolyline, routeColor, type Point } from './geo';

export interface StopView {
  n: number;
  jobId: string;
  customer: string;
  location: LatLng | null;
  /** Departure from the previous stop (or the start): where the travel bar begins. */
  travelFrom: string | null;
  arrival: string;
  start: string;
  departure: string;
  waitSeconds: number;
  fixed: boolean;
}

export interface RouteView {
  technicianId: string;
  name: string;
  color: string;
  start: LatLng | null;
  end: LatLng | null;
  /** The drawn road geometry when the plan stored one, else straight segments through the stops. */
  path: Point[];
  fromGeometry: boolean;
  departure: string | null;
  arrival: string | null;
  distanceMeters: number;
  durationSeconds: number;
  stops: StopView[];
}

export interface UnassignedView {
  jobId: string;
  customer: string;
  location: LatLng | null;
  reason: string;
  requiredSkills: string[];
  timeWindows: { start: string; end: string }[];
  priority: string;
}

/** The solver's reason codes (routing/solver/types.ts) in words; other reasons are already sentences. */
export const REASONS: Record<string, string> = {
  skills: 'No technician has all the required skills',
  unreachable: 'The site cannot be reached by road from any suitable technician',
  capacity: 'More than any suitable technician can carry',
  time_window: 'No time window can be met within any suitable technician’s shift',
  no_room: 'Feasible alone, but the suitable technicians’ shifts are full',
  not_profitable: 'Optional, and fitting it in costs more than leaving it',
};

export function buildRoutes(plan: PlanVersion, technicians: Technician[], jobs: Job[]): RouteView[] {
  const techById = new Map(technicians.map((t) => [t.id, t]));
  const jobById = new Map(jobs.map((j) => [j.id, j]));
  return plan.routes.map((r, i) => {
    const tech = techById.get(r.technicianId);
    const stops = r.stops.map((s, k): StopView => {
      const job = jobById.get(s.jobId);
      return {
        n: k + 1,
        jobId: s.jobId,
        customer: job?.customer.name ?? s.jobId,
        location: job?.location ?? null,
        travelFrom: k === 0 ? (r.departure ?? null) : r.stops[k - 1]!.departure,
        arrival: s.arrival,
        start: s.start,
        departure: s.departure,
        waitSeconds: s.waitSeconds,
        fixed: s.fixed,
      };
    });
    const start = tech?.startLocation ?? null;
    const end = tech?.endLocation ?? null;
    let path: Point[] = [];
    let fromGeometry = false;
    const encoded = plan.geometry?.format === 'polyline5' ? plan.geometry.routes[r.technicianId] : undefined;
    if (encoded) {
      try {
        path = decodePolyline(encoded);
        fromGeometry = path.length > 1;
      } catch {
        path = [];
      }
    }
    if (!fromGeometry && stops.length) {
      path = [start, ...stops.map((s) => s.location), end].filter((p): p is LatLng => p !== null);
    }
    return {
      technicianId: r.technicianId,
      name: tech?.name ?? r.technicianId,
      color: routeColor(i),
      start,
      end,
      path,
      fromGeometry,
      departure: r.departure ?? null,
      arrival: r.arrival ?? null,
      distanceMeters: r.distanceMeters,
      durationSeconds: r.durationSeconds,
      stops,
    };
  });
}

export function buildUnassigned(plan: PlanVersion, jobs: Job[]): UnassignedView[] {
  const jobById = new Map(jobs.map((j) => [j.id, j]));
  return plan.unassigned.map((u) => {
    const job = jobById.get(u.jobId);
    return {
      jobId: u.jobId,
      customer: job?.customer.name ?? u.jobId,
      location: job?.location ?? null,
      reason: u.reason,
      requiredSkills: job?.requiredSkills ?? [],
      timeWindows: job?.timeWindows ?? [],
      priority: job?.priority ?? 'must',
    };
  });
}

/** "09:12" in the region's zone. */
export function clockIn(timeZone: string | undefined): (iso: string | null | undefined) => string {
  let f: Intl.DateTimeFormat;
  try {
    f = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone });
  } catch {
    f = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  }
  return (iso) => (iso ? f.format(new Date(iso)) : '—');
}

export function formatKm(meters: number | undefined): string {
  return meters === undefined ? '—' : `${(meters / 1000).toFixed(1)} km`;
}

export function formatMinutes(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
