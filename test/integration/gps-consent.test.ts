/**
 * Location data only with permission: a technician's positions are refused (with the reason) until location
 * consent is granted, accepted during the shift once it is, and refused again the moment it is revoked — with
 * nothing stored for a refused batch. Stored positions are ciphertext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';

let engine: Engine;
let ops: HttpSession;
const accountId = `acc_${randomBytes(16).toString('hex')}`;
const technicianId = `tec_${randomBytes(8).toString('hex')}`;

beforeAll(async () => {
  engine = await startEngine();
  const email = `ops-${randomBytes(4).toString('hex')}@staff.loro.example`;
  await addUser(engine, ['ops'], email);
  ops = await HttpSession.signIn(engine.baseUrl, email);
  // All day, every day, in UTC — except the last minute, which the "outside the shift" point uses.
  await engine.deps.models.Technician.create({
    _id: technicianId,
    accountId,
    region: 'berlin',
    name: 'Tess Tracked',
    startLocation: { lat: 52.5, lng: 13.4 },
    shift: { start: '00:00', end: '23:59', timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7] },
  });
});
afterAll(() => engine?.close());

const stored = () => engine.deps.models.LocationPoint.countDocuments({ technicianId });
const consent = (granted: boolean) =>
  ops.request('POST', '/api/consents', { accountId, subjectType: 'technician', subjectId: technicianId, category: 'location', granted, policyVersion: '1', source: 'mobile-app' });

function batch() {
  const hourStart = new Date();
  hourStart.setUTCMinutes(1, 0, 0); // minute 01 of the current hour: in the past, inside the shift
  const lastMinuteYesterday = new Date(Date.UTC(hourStart.getUTCFullYear(), hourStart.getUTCMonth(), hourStart.getUTCDate()) - 30_000);
  return {
    positions: [
      { at: hourStart.toISOString(), lat: 52.52001, lng: 13.40495, accuracy: 8 },
      { at: lastMinuteYesterday.toISOString(), lat: 52.52002, lng: 13.40496 },
    ],
  };
}

describe('GPS positions and location consent', () => {
  it('refuses positions without consent, with the reason, storing nothing', async () => {
    const r = await ops.request('POST', `/api/technicians/${technicianId}/positions`, batch());
    expect(r.status, r.text).toBe(403);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json.type).toMatch(/location-consent-missing$/);
    expect(await stored()).toBe(0);
  });

  it('accepts positions during the shift once consent is granted, and stores them encrypted', async () => {
    expect((await consent(true)).status).toBe(201);
    const r = await ops.request('POST', `/api/technicians/${technicianId}/positions`, batch());
    expect(r.status, r.text).toBe(202);
    expect(r.json).toEqual({ accepted: 1, rejected: [{ index: 1, reason: 'outside-shift' }] });
    expect(await stored()).toBe(1);
    const raw = await engine.deps.mongo.getClient().db(engine.deps.mongo.name).collection('location_points').findOne({ technicianId });
    expect(JSON.stringify(raw)).not.toContain('52.52001');
    const decrypted = await engine.deps.models.LocationPoint.findOne({ technicianId }).lean();
    expect(decrypted?.position).toEqual({ lat: 52.52001, lng: 13.40495, accuracy: 8 });
  });

  it('refuses the very next batch after a revocation', async () => {
    expect((await consent(false)).status).toBe(201);
    const r = await ops.request('POST', `/api/technicians/${technicianId}/positions`, batch());
    expect(r.status, r.text).toBe(403);
    expect(r.json.detail).toMatch(/location consent/);
    expect(await stored()).toBe(1);
  });

  it('answers bad input with every failing field', async () => {
    const r = await ops.request('POST', `/api/technicians/${technicianId}/positions`, { positions: [{ lat: 91, lng: 13 }, { at: 'yesterday', lat: 1, lng: 200 }] });
    expect(r.status).toBe(400);
    const paths = r.json.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['/body/positions/0/at', '/body/positions/0/lat', '/body/positions/1/at', '/body/positions/1/lng']);
  });

  it('answers 404 for an unknown technician', async () => {
    expect((await ops.request('POST', '/api/technicians/tec_unknown/positions', batch())).status).toBe(404);
  });
});
