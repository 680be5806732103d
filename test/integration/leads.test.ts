/**
 * Leads over HTTP against the real services: create, read, change, list, search through the blind index,
 * duplicates refused (not merged), the pipeline's moves, roles and scopes, and what lands in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { newId } from '../../models/ids.ts';

let engine: Engine;
let ops: HttpSession;
let engineer: HttpSession;
let admin: HttpSession;
let opsUserId: string;
let accountId: string;

const leads = (id = accountId) => `/api/accounts/${id}/leads`;
let seq = 0;
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${++seq}`;

beforeAll(async () => {
  engine = await startEngine({ worker: false });
  const [opsUser, engineerUser, adminUser] = await Promise.all([addUser(engine, ['ops']), addUser(engine, ['engineer']), addUser(engine, ['admin'])]);
  opsUserId = opsUser.id;
  [ops, engineer, admin] = (await Promise.all([opsUser, engineerUser, adminUser].map((u) => HttpSession.signIn(engine.baseUrl, u.email)))) as [HttpSession, HttpSession, HttpSession];
  accountId = newId('acc');
  await engine.deps.models.Account.create({ _id: accountId, name: 'Leads Ltd', owner: { name: 'Lou Owner', email: `${unique('owner')}@leads.example` } });
});
afterAll(() => engine?.close());

describe('creating and reading a lead', () => {
  it('stores it encrypted and answers it in plaintext; the creation is audited by ID only', async () => {
    const name = unique('Hana Tanaka');
    const email = `${unique('hana')}@prospect.example`;
    const res = await ops.request('POST', leads(), { name, email, phone: '+81 3 1234 5678', timeZone: 'asia/tokyo', source: 'web-form', ownerUserId: opsUserId, score: 40, company: 'Kaisha KK' });
    expect(res.status).toBe(201);
    const id = res.json.id as string;
    expect(id).toMatch(/^led_[0-9a-f]{32}$/);
    expect(res.headers.get('location')).toBe(`${leads()}/${id}`);
    expect(res.json).toMatchObject({ accountId, name, email, phone: '+81 3 1234 5678', timeZone: 'Asia/Tokyo', status: 'new', source: 'web-form', ownerUserId: opsUserId, score: 40, company: 'Kaisha KK' });

    const got = await engineer.request('GET', `${leads()}/${id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(res.json);

    const raw = await engine.deps.mongo.db!.collection('leads').findOne({ _id: id as never });
    const text = JSON.stringify(raw);
    expect(text).not.toContain(name);
    expect(text).not.toContain(email);
    expect(text).not.toContain('1234 5678');
    expect(raw!.emailBlindIndex).toMatch(/^[0-9a-f]{32}$/);

    const entry = await engine.deps.models.AuditEntry.findOne({ action: 'lead.created', 'target.id': id }).lean();
    expect(entry).toMatchObject({ target: { type: 'lead', id }, details: { accountId } });
    expect(JSON.stringify(entry)).not.toContain(email);
    expect(JSON.stringify(entry)).not.toContain(name);
  });

  it('refuses a bad create with 400 naming every failing field, and stores nothing', async () => {
    const before = await engine.deps.models.Lead.countDocuments({ accountId });
    const res = await ops.request('POST', leads(), { email: 'not-an-address', phone: 'call me', timeZone: 'Mars/Olympus_Mons', score: 101, ownerUserId: 'bob', colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = (res.json.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['/body/colour', '/body/email', '/body/name', '/body/ownerUserId', '/body/phone', '/body/score', '/body/timeZone'].sort());
    expect(res.text).not.toContain('not-an-address');
    expect(await engine.deps.models.Lead.countDocuments({ accountId })).toBe(before);
  });

  it('refuses an owner who is not a console user, an unknown account and an unknown lead', async () => {
    const owner = await ops.request('POST', leads(), { name: 'Olaf', ownerUserId: `usr_${'0'.repeat(32)}` });
    expect(owner.status).toBe(400);
    expect(owner.json.errors).toEqual([{ path: '/body/ownerUserId', message: 'is not a console user' }]);
    expect((await ops.request('POST', leads(newId('acc')), { name: 'Nobody' })).status).toBe(404);
    expect((await ops.request('GET', `${leads()}/${newId('led')}`)).status).toBe(404);
  });
});

describe('duplicates', () => {
  it('refuses a second lead with the same address, also differently cased, naming the first (refused, not merged)', async () => {
    const email = `${unique('dup')}@Prospect.example`;
    const first = await ops.request('POST', leads(), { name: 'First Dup', email });
    expect(first.status).toBe(201);
    for (const again of [email, email.toUpperCase(), email.toLowerCase()]) {
      const res = await ops.request('POST', leads(), { name: 'Second Dup', email: again });
      expect(res.status).toBe(409);
      expect(res.json.detail).toContain(first.json.id);
      expect(res.json.detail).toContain('refused, not merged');
      expect(res.text.toLowerCase()).not.toContain(email.toLowerCase());
    }
    const found = await engineer.request('GET', `${leads()}?email=${encodeURIComponent(email.toLowerCase())}`);
    expect(found.json.leads.map((l: { id: string }) => l.id)).toEqual([first.json.id]);
    expect(found.json.leads[0].name).toBe('First Dup');
    // The same address in another account is another lead.
    const other = newId('acc');
    await engine.deps.models.Account.create({ _id: other, name: 'Other Ltd', owner: { name: 'Oz', email: `${unique('oz')}@other.example` } });
    expect((await ops.request('POST', leads(other), { name: 'Elsewhere', email })).status).toBe(201);
  });

  it('refuses changing an address to one of another lead', async () => {
    const a = await ops.request('POST', leads(), { name: 'Ann', email: `${unique('ann')}@prospect.example` });
    const b = await ops.request('POST', leads(), { name: 'Ben', email: `${unique('ben')}@prospect.example` });
    const res = await ops.request('PATCH', `${leads()}/${b.json.id}`, { email: a.json.email.toUpperCase() });
    expect(res.status).toBe(409);
    expect(res.json.detail).toContain(a.json.id);
    expect((await ops.request('GET', `${leads()}/${b.json.id}`)).json.email).toBe(b.json.email);
  });
});

describe('changing a lead', () => {
  it('changes the fields sent, clears those sent as null, and keeps look-ups in step', async () => {
    const oldEmail = `${unique('old')}@prospect.example`;
    const newEmail = `${unique('new')}@prospect.example`;
    const created = await ops.request('POST', leads(), { name: 'Carl Change', email: oldEmail, phone: '+49 30 1234567', source: 'fair' });
    const id = created.json.id as string;
    const res = await ops.request('PATCH', `${leads()}/${id}`, { name: 'Carl Changed', email: newEmail, phone: null, score: 75, timeZone: 'America/New_York', ownerUserId: opsUserId });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id, name: 'Carl Changed', email: newEmail, score: 75, timeZone: 'America/New_York', ownerUserId: opsUserId, source: 'fair', status: 'new' });
    expect(res.json).not.toHaveProperty('phone');
    expect((await ops.request('GET', `${leads()}/${id}`)).json).toEqual(res.json);

    const byNew = await ops.request('GET', `${leads()}?email=${encodeURIComponent(newEmail)}`);
    expect(byNew.json.leads.map((l: { id: string }) => l.id)).toEqual([id]);
    expect((await ops.request('GET', `${leads()}?email=${encodeURIComponent(oldEmail)}`)).json.leads).toEqual([]);
    expect((await ops.request('GET', `${leads()}?phone=${encodeURIComponent('+49 30 1234567')}`)).json.leads).toEqual([]);
    const raw = await engine.deps.mongo.db!.collection('leads').findOne({ _id: id as never });
    expect(raw).not.toHaveProperty('phone');
    expect(raw).not.toHaveProperty('phoneBlindIndex');
    expect(JSON.stringify(raw)).not.toContain('Carl Changed');
  });

  it('moves along the pipeline and refuses jumps with 409 naming the allowed moves', async () => {
    const { json: lead } = await ops.request('POST', leads(), { name: 'Pia Pipeline' });
    const move = (status: string) => ops.request('PATCH', `${leads()}/${lead.id}`, { status });

    const jump = await move('qualified');
    expect(jump.status).toBe(409);
    expect(jump.json.detail).toBe('A lead cannot move from new to qualified; from new it can move to: nurturing, lost');
    expect(jump.json.errors).toEqual([{ path: '/body/status', message: 'must be one of nurturing, lost (from new)' }]);
    expect((await move('converted')).status).toBe(409);

    for (const status of ['nurturing', 'qualified', 'converted']) {
      const res = await move(status);
      expect(res.status).toBe(200);
      expect(res.json.status).toBe(status);
    }
    const final = await move('lost');
    expect(final.status).toBe(409);
    expect(final.json.detail).toContain('converted is final');
    expect((await move('converted')).status).toBe(200); // staying put is no move
    expect((await ops.request('GET', `${leads()}/${lead.id}`)).json.status).toBe('converted');
  });
});

describe('listing and searching', () => {
  let listAccount: string;
  beforeAll(async () => {
    listAccount = newId('acc');
    await engine.deps.models.Account.create({ _id: listAccount, name: 'List Ltd', owner: { name: 'Lia', email: `${unique('lia')}@list.example` } });
    for (let i = 0; i < 5; i++) {
      const res = await ops.request('POST', leads(listAccount), { name: `Lead ${i}`, email: `lead${i}-${listAccount}@list.example`, phone: `+33 6 12 34 56 7${i}`, ...(i % 2 ? { ownerUserId: opsUserId } : {}) });
      expect(res.status).toBe(201);
      if (i < 2) expect((await ops.request('PATCH', `${leads(listAccount)}/${res.json.id}`, { status: 'nurturing' })).status).toBe(200);
    }
  });

  it('pages newest first with a cursor', async () => {
    const first = await engineer.request('GET', `${leads(listAccount)}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 4', 'Lead 3']);
    const second = await engineer.request('GET', `${leads(listAccount)}?limit=2&cursor=${first.json.nextCursor}`);
    expect(second.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 2', 'Lead 1']);
    const third = await engineer.request('GET', `${leads(listAccount)}?limit=2&cursor=${second.json.nextCursor}`);
    expect(third.json).toMatchObject({ nextCursor: null });
    expect(third.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 0']);
    expect(third.json.leads[0].email).toBe(`lead0-${listAccount}@list.example`);
  });

  it('filters by status and owner', async () => {
    const nurturing = await engineer.request('GET', `${leads(listAccount)}?status=nurturing`);
    expect(nurturing.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 1', 'Lead 0']);
    const owned = await engineer.request('GET', `${leads(listAccount)}?ownerUserId=${opsUserId}`);
    expect(owned.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 3', 'Lead 1']);
    const both = await engineer.request('GET', `${leads(listAccount)}?ownerUserId=${opsUserId}&status=new`);
    expect(both.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 3']);
    const bad = await engineer.request('GET', `${leads(listAccount)}?status=won&limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/query/limit', '/query/status']);
  });

  it('finds by exact email (any case) or phone (any separators) through the blind index', async () => {
    const byEmail = await engineer.request('GET', `${leads(listAccount)}?email=${encodeURIComponent(`LEAD2-${listAccount}@List.Example`)}`);
    expect(byEmail.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 2']);
    const byPhone = await engineer.request('GET', `${leads(listAccount)}?phone=${encodeURIComponent('+33612345673')}`);
    expect(byPhone.json.leads.map((l: { name: string }) => l.name)).toEqual(['Lead 3']);
    expect((await engineer.request('GET', `${leads(listAccount)}?email=nobody%40list.example`)).json.leads).toEqual([]);
    // Another account's lead is not found, even by its exact address.
    expect((await engineer.request('GET', `${leads()}?email=${encodeURIComponent(`lead2-${listAccount}@list.example`)}`)).json.leads).toEqual([]);
    const bad = await engineer.request('GET', `${leads(listAccount)}?email=not-an-address`);
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain('not-an-address');
  });
});

describe('the OpenAPI document', () => {
  it('says that duplicates are refused, not merged, and states the import limits', async () => {
    const doc = (await ops.request('GET', '/api/openapi.json')).json;
    expect(doc.paths['/api/accounts/{accountId}/leads'].post.summary).toContain('refused, not merged');
    expect(doc.paths['/api/accounts/{accountId}/leads/import'].post.summary).toContain('at most 100,000 rows and 64 MiB');
    expect(doc.paths['/api/accounts/{accountId}/leads/{leadId}'].patch).toBeDefined();
  });
});

describe('who may', () => {
  it('lets staff read and ops/admin write; API tokens by scope', async () => {
    expect((await engineer.request('GET', leads())).status).toBe(200);
    expect((await engineer.request('POST', leads(), { name: 'No' })).status).toBe(403);
    expect((await admin.request('POST', leads(), { name: 'Adm Lead' })).status).toBe(201);
    expect((await new HttpSession(engine.baseUrl).request('GET', leads())).status).toBe(401);

    const token = async (scopes: string[]) => (await admin.request('POST', '/api/tokens', { name: `leads-${scopes.join('-')}`, scopes })).json.token as string;
    const reader = new HttpSession(engine.baseUrl, { authorization: `Bearer ${await token(['leads:read'])}` });
    const writer = new HttpSession(engine.baseUrl, { authorization: `Bearer ${await token(['leads:write'])}` });
    expect((await reader.request('GET', leads())).status).toBe(200);
    expect((await reader.request('POST', leads(), { name: 'Tok' })).status).toBe(403);
    const created = await writer.request('POST', leads(), { name: 'Token Lead' });
    expect(created.status).toBe(201);
    const entry = await engine.deps.models.AuditEntry.findOne({ action: 'lead.created', 'target.id': created.json.id }).lean();
    expect(entry?.actor?.kind).toBe('token');
  });
});
