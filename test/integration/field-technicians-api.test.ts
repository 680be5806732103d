/**
 * Technicians and jobs per account over the API: ops and admins write, staff read, bad input answered with every
 * failing field; personal fields stored encrypted. Live positions: accepted points are pushed to signed-in staff
 * over socket.io — refused ones never, and API tokens get none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { PositionUpdate } from '../../contracts/socket-events.ts';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine;
let ops: HttpSession;
let engineer: HttpSession;
let admin: HttpSession;
const accountId = `acc_${randomBytes(16).toString('hex')}`;

const signIn = async (role: 'ops' | 'engineer' | 'admin') => {
  const email = `${role}-${randomBytes(4).toString('hex')}@staff.loro.example`;
  await addUser(engine, [role], email);
  return HttpSession.signIn(engine.baseUrl, email);
};

beforeAll(async () => {
  engine = await startEngine({ worker: false });
  [ops, engineer, admin] = [await signIn('ops'), await signIn('engineer'), await signIn('admin')];
  await engine.deps.models.Account.create({ _id: accountId, name: 'Field Co', owner: { name: 'Fiona Field', email: 'fiona@field.example' } });
});
afterAll(() => engine?.close());

const technician = {
  name: 'Tomasz Technik',
  email: 'tomasz@field.example',
  phone: '+49 30 1234567',
  region: 'berlin-north',
  skills: ['gas', 'electrics'],
  shift: { start: '08:00', end: '16:30', timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5] },
  startLocation: { lat: 52.5551, lng: 13.3721, label: 'Müllerstraße 1, Berlin' },
};

describe('technicians', () => {
  let id = '';

  it('ops create a technician: 201, a tec_ ID, personal fields stored encrypted', async () => {
    const r = await ops.request('POST', `/api/accounts/${accountId}/technicians`, technician);
    expect(r.status, r.text).toBe(201);
    id = r.json.id;
    expect(id).toMatch(/^tec_[0-9a-f]{32}$/);
    expect(r.json).toMatchObject({ ...technician, accountId, active: true });
    const raw = await engine.deps.mongo.getClient().db(engine.deps.mongo.name).collection('technicians').findOne({ _id: id as never });
    const text = JSON.stringify(raw);
    for (const plain of ['Tomasz', 'tomasz@field.example', '52.5551', 'Müllerstraße']) expect(text).not.toContain(plain);
  });

  it('staff (an engineer) list and read them; an engineer cannot write', async () => {
    const list = await engineer.request('GET', `/api/accounts/${accountId}/technicians?region=berlin-north`);
    expect(list.status, list.text).toBe(200);
    expect(list.json.technicians.map((t: { id: string }) => t.id)).toEqual([id]);
    expect(list.json.nextCursor).toBeNull();
    expect((await engineer.request('GET', `/api/technicians/${id}`)).json.name).toBe('Tomasz Technik');
    const denied = await engineer.request('POST', `/api/accounts/${accountId}/technicians`, technician);
    expect(denied.status).toBe(403);
    expect((await engineer.request('PATCH', `/api/technicians/${id}`, { active: false })).status).toBe(403);
  });

  it('ops update skills, shift and locations; endLocation null removes it', async () => {
    const r = await ops.request('PATCH', `/api/technicians/${id}`, { skills: ['gas'], endLocation: { lat: 52.52, lng: 13.41 }, shift: { ...technician.shift, start: '07:00' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ skills: ['gas'], endLocation: { lat: 52.52, lng: 13.41 }, shift: { start: '07:00' } });
    // A shift may end at 24:00, the midnight that ends its day.
    const toMidnight = await ops.request('PATCH', `/api/technicians/${id}`, { shift: { ...technician.shift, end: '24:00' } });
    expect(toMidnight.status, toMidnight.text).toBe(200);
    expect(toMidnight.json.shift).toMatchObject({ start: '08:00', end: '24:00' });
    expect((await ops.request('PATCH', `/api/technicians/${id}`, { shift: { ...technician.shift, end: '24:30' } })).status).toBe(400);
    const cleared = await admin.request('PATCH', `/api/technicians/${id}`, { endLocation: null, name: 'Tomasz T.' });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.json.endLocation).toBeUndefined();
    expect(cleared.json.name).toBe('Tomasz T.');
  });

  it('answers bad input with every failing field (problem+json 400), storing nothing', async () => {
    const before = await engine.deps.models.Technician.countDocuments({ accountId });
    const r = await ops.request('POST', `/api/accounts/${accountId}/technicians`, {
      region: 'Berlin North',
      skills: ['Gas!'],
      shift: { start: '8:00', end: '16:00', timeZone: 'Mars/Olympus', workingDays: [0] },
      startLocation: { lat: 95, lng: 13 },
      extra: 1,
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['/body/extra', '/body/name', '/body/region', '/body/shift/start', '/body/shift/timeZone', '/body/shift/workingDays/0', '/body/skills/0', '/body/startLocation/lat'].sort(),
    );
    const backwards = await ops.request('POST', `/api/accounts/${accountId}/technicians`, { ...technician, shift: { ...technician.shift, start: '17:00' } });
    expect(backwards.status).toBe(400);
    expect(backwards.json.errors).toEqual([{ path: '/body/shift/end', message: expect.stringMatching(/after shift.start/) }]);
    expect(await engine.deps.models.Technician.countDocuments({ accountId })).toBe(before);
  });

  it('404 for an unknown account or technician', async () => {
    expect((await ops.request('POST', `/api/accounts/acc_${'0'.repeat(32)}/technicians`, technician)).status).toBe(404);
    expect((await ops.request('GET', `/api/technicians/tec_${'0'.repeat(32)}`)).status).toBe(404);
  });
});

describe('jobs', () => {
  const job = {
    region: 'berlin-north',
    date: '2031-03-04',
    customer: { name: 'Clara Kunde', phone: '+49 30 7654321' },
    location: { lat: 52.54, lng: 13.35, label: 'Seestraße 10, Berlin' },
    timeWindows: [{ start: '2031-03-04T09:00:00.000Z', end: '2031-03-04T11:00:00.000Z' }],
    serviceMinutes: 45,
    requiredSkills: ['gas'],
    priority: 'must',
  };
  let id = '';

  it('ops create a job (status open by default); staff list it by day, region and status', async () => {
    const r = await ops.request('POST', `/api/accounts/${accountId}/jobs`, job);
    expect(r.status, r.text).toBe(201);
    id = r.json.id;
    expect(id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(r.json).toMatchObject({ ...job, status: 'open', accountId });
    const list = await engineer.request('GET', `/api/accounts/${accountId}/jobs?date=2031-03-04&region=berlin-north&status=open`);
    expect(list.status, list.text).toBe(200);
    expect(list.json.jobs.map((j: { id: string }) => j.id)).toEqual([id]);
    expect((await engineer.request('GET', `/api/accounts/${accountId}/jobs?date=2031-03-05`)).json.jobs).toEqual([]);
    const raw = JSON.stringify(await engine.deps.mongo.getClient().db(engine.deps.mongo.name).collection('jobs').findOne({ _id: id as never }));
    for (const plain of ['Clara', 'Seestraße', '7654321']) expect(raw).not.toContain(plain);
  });

  it('pages through the list with a cursor', async () => {
    for (let i = 0; i < 3; i++) expect((await ops.request('POST', `/api/accounts/${accountId}/jobs`, { ...job, priority: 'optional' })).status).toBe(201);
    const first = await ops.request('GET', `/api/accounts/${accountId}/jobs?limit=3`);
    expect(first.json.jobs).toHaveLength(3);
    const second = await ops.request('GET', `/api/accounts/${accountId}/jobs?limit=3&cursor=${first.json.nextCursor}`);
    expect(second.json.jobs).toHaveLength(1);
    expect(second.json.nextCursor).toBeNull();
  });

  it('ops record progress: technician, status, start and completion', async () => {
    const tech = (await ops.request('GET', `/api/accounts/${accountId}/technicians`)).json.technicians[0].id;
    const r = await ops.request('PATCH', `/api/jobs/${id}`, { status: 'in-progress', technicianId: tech, startedAt: '2031-03-04T09:10:00Z' });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ status: 'in-progress', technicianId: tech, startedAt: '2031-03-04T09:10:00.000Z' });
  });

  it('answers bad input with every failing field', async () => {
    const r = await ops.request('POST', `/api/accounts/${accountId}/jobs`, {
      region: 'berlin-north',
      date: '2031-02-30',
      customer: {},
      location: { lat: 52.5 },
      serviceMinutes: -5,
      priority: 'urgent',
      timeWindows: [{ start: 'nine', end: '2031-03-04T11:00:00Z' }],
    });
    expect(r.status).toBe(400);
    expect(r.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['/body/customer/name', '/body/date', '/body/location/lng', '/body/priority', '/body/serviceMinutes', '/body/timeWindows/0/start'].sort(),
    );
    const semantic = await ops.request('POST', `/api/accounts/${accountId}/jobs`, {
      ...job,
      timeWindows: [{ start: '2031-03-04T11:00:00Z', end: '2031-03-04T09:00:00Z' }],
      technicianId: `tec_${'0'.repeat(32)}`,
    });
    expect(semantic.status).toBe(400);
    expect(semantic.json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/timeWindows/0/end', '/body/technicianId']);
    expect((await engineer.request('PATCH', `/api/jobs/${id}`, { status: 'done' })).status).toBe(403);
  });
});

describe('live positions', () => {
  const connect = (opts: { cookie?: string; token?: string }) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(engine.baseUrl, { reconnection: false, forceNew: true, ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}), ...(opts.token ? { auth: { token: opts.token } } : {}) });
      socket.once('connect', () => resolve(socket)).once('connect_error', reject);
    });

  it('pushes accepted positions to signed-in staff, never refused ones, and none to API tokens', async () => {
    const technicianId = `tec_${randomBytes(16).toString('hex')}`;
    await engine.deps.models.Technician.create({
      _id: technicianId,
      accountId,
      region: 'berlin-north',
      name: 'Live Lena',
      startLocation: { lat: 52.5, lng: 13.4 },
      shift: { start: '00:00', end: '23:59', timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7] },
    });
    const token = (await admin.request('POST', '/api/tokens', { name: 'watcher', scopes: ['workflows:read', 'positions:write'] })).json.token as string;
    const staffSocket = await connect({ cookie: engineer.cookieHeader });
    const tokenSocket = await connect({ token });
    const toStaff: PositionUpdate[] = [];
    const toToken: PositionUpdate[] = [];
    staffSocket.on('position:update', (p) => toStaff.push(p));
    tokenSocket.on('position:update', (p) => toToken.push(p));
    try {
      const send = () => {
        const inShift = new Date();
        inShift.setUTCMinutes(1, 0, 0);
        const outside = new Date(Date.UTC(inShift.getUTCFullYear(), inShift.getUTCMonth(), inShift.getUTCDate()) - 30_000);
        return ops.request('POST', `/api/technicians/${technicianId}/positions`, {
          positions: [
            { at: inShift.toISOString(), lat: 52.51111, lng: 13.41111 },
            { at: outside.toISOString(), lat: 52.52222, lng: 13.42222 },
          ],
        });
      };
      // Without consent: refused, nothing pushed.
      expect((await send()).status).toBe(403);
      const granted = await ops.request('POST', '/api/consents', { accountId, subjectType: 'technician', subjectId: technicianId, category: 'location', granted: true, policyVersion: '1', source: 'mobile-app' });
      expect(granted.status).toBe(201);
      const accepted = await send();
      expect(accepted.json).toEqual({ accepted: 1, rejected: [{ index: 1, reason: 'outside-shift' }] });
      await waitFor('the accepted position on the staff socket', async () => toStaff.length > 0);
      // One emit to the room writes to every member at once: the token socket would have it by now.
      expect(toStaff).toEqual([{ technicianId, at: expect.any(String), lat: 52.51111, lng: 13.41111 }]);
      expect(toToken).toEqual([]);
      const revoked = await ops.request('POST', '/api/consents', { accountId, subjectType: 'technician', subjectId: technicianId, category: 'location', granted: false, policyVersion: '1', source: 'mobile-app' });
      expect(revoked.status).toBe(201);
      expect((await send()).status).toBe(403);
      expect(toStaff).toHaveLength(1);
    } finally {
      staffSocket.close();
      tokenSocket.close();
    }
  });
});
