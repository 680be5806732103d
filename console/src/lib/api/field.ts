// Field service: an account's technicians and jobs (names and places: staff may see them), a region's planning
// day (/api/accounts/:accountId/route-plans/…) with its stored plan versions, approve and re-plan.
import { ApiError, isApiError, request } from './http';

export interface LatLng {
  lat: number;
  lng: number;
  label?: string;
}

export interface Technician {
  id: string;
  accountId: string;
  region: string;
  name: string;
  skills: string[];
  shift: { start: string; end: string; timeZone: string; workingDays?: number[] };
  startLocation: LatLng;
  endLocation?: LatLng;
  active: boolean;
}

export interface Job {
  id: string;
  region: string;
  date: string;
  customer: { name: string };
  location: LatLng;
  timeWindows: { start: string; end: string }[];
  serviceMinutes: number;
  requiredSkills: string[];
  priority: 'must' | 'optional';
  status: string;
  technicianId?: string;
}

export type PlanningPhase = 'planning' | 'awaiting-approval' | 'published' | 'replanning' | 'closed';

export interface PlanTotals {
  distanceMeters?: number;
  durationSeconds?: number;
  travelSeconds?: number;
  serviceSeconds?: number;
  waitingSeconds?: number;
}

/** The workflow's view of the day (its planningState query). */
export interface PlanningState {
  phase: PlanningPhase;
  version: number;
  plan: { planId: string; version: number; assigned: number; unassigned: number; estimated: boolean; technicians: number; techniciansUsed: number; totals: Required<PlanTotals> } | null;
  approvedBy: string | null;
  pendingChanges: number;
  log: { version: number; reason: string; at: string }[];
}

export interface PlannedStop {
  jobId: string;
  arrival: string;
  start: string;
  departure: string;
  waitSeconds: number;
  fixed: boolean;
}

export interface PlannedRoute {
  technicianId: string;
  departure?: string;
  arrival?: string;
  distanceMeters: number;
  durationSeconds: number;
  stops: PlannedStop[];
}

/** One stored version of the plan. */
export interface PlanVersion {
  planId: string;
  version: number;
  status: 'draft' | 'approved' | 'published' | 'superseded';
  estimated: boolean;
  routes: PlannedRoute[];
  unassigned: { jobId: string; reason: string }[];
  geometry: { format: string; routes: Record<string, string> } | null;
  totals: PlanTotals;
  approvedBy?: string;
  approvedAt?: string;
  createdAt: string;
}

const PAGE = 500;
const accountPath = (accountId: string) => `/api/accounts/${encodeURIComponent(accountId)}`;
const dayPath = (accountId: string, region: string, date: string) =>
  `${accountPath(accountId)}/route-plans/${encodeURIComponent(region)}/${encodeURIComponent(date)}`;

/** Every page of a cursor-paged list (a region's day holds hundreds, not millions). */
async function allPages<T>(path: string, key: 'technicians' | 'jobs', query: Record<string, string>, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const body: Record<string, unknown> | undefined = await request(path, { query: { ...query, limit: PAGE, cursor }, signal });
    const page = body?.[key];
    if (!Array.isArray(page)) throw new ApiError({ kind: 'invalid-response', method: 'GET', url: path, status: 200 });
    items.push(...(page as T[]));
    cursor = typeof body?.nextCursor === 'string' ? body.nextCursor : null;
  } while (cursor);
  return items;
}

/** The account's active technicians, of one region or of all. */
export function listTechnicians(accountId: string, region: string | null, signal?: AbortSignal): Promise<Technician[]> {
  return allPages<Technician>(`${accountPath(accountId)}/technicians`, 'technicians', region ? { region, active: 'true' } : { active: 'true' }, signal);
}

export function listJobs(accountId: string, region: string, date: string, signal?: AbortSignal): Promise<Job[]> {
  return allPages<Job>(`${accountPath(accountId)}/jobs`, 'jobs', { region, date }, signal);
}

/** The running (or finished) planning day; null when none was started for this region and date. */
export async function getPlanningDay(accountId: string, region: string, date: string, signal?: AbortSignal): Promise<PlanningState | null> {
  try {
    const body = await request<PlanningState>(dayPath(accountId, region, date), { signal });
    if (!body || typeof body.phase !== 'string') throw new ApiError({ kind: 'invalid-response', method: 'GET', url: dayPath(accountId, region, date), status: 200 });
    return body;
  } catch (err) {
    if (isApiError(err) && err.status === 404) return null;
    throw err;
  }
}

export async function getPlanVersion(accountId: string, region: string, date: string, version: number, signal?: AbortSignal): Promise<PlanVersion> {
  const url = `${dayPath(accountId, region, date)}/versions/${version}`;
  const body = await request<PlanVersion>(url, { signal });
  if (!body || !Array.isArray(body.routes)) throw new ApiError({ kind: 'invalid-response', method: 'GET', url, status: 200 });
  return body;
}

/** Starts the day's planning now (joins one already running). */
export function startPlanning(accountId: string, region: string, date: string): Promise<{ workflowId: string }> {
  return request(`${accountPath(accountId)}/route-plans`, { method: 'POST', body: { region, date } });
}

/** 409 when the plan is no longer awaiting approval or a newer draft replaced `version`. */
export function approvePlan(accountId: string, region: string, date: string, version: number): Promise<{ version: number }> {
  return request(`${dayPath(accountId, region, date)}/approve`, { method: 'POST', body: { version } });
}

/** Answers once the new version is made (the solver's time limit: up to a minute). */
export function replan(accountId: string, region: string, date: string): Promise<{ version: number }> {
  return request(`${dayPath(accountId, region, date)}/replan`, { method: 'POST', timeoutMs: 3 * 60_000 });
}

export async function getMapSettings(signal?: AbortSignal): Promise<{ tileUrl: string | null }> {
  const body = await request<{ tileUrl: string | null }>('/api/field/map-settings', { signal });
  return { tileUrl: typeof body?.tileUrl === 'string' && body.tileUrl ? body.tileUrl : null };
}
