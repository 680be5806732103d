/**
 * The database holds no personal data in the clear: after an account is created through the API (its welcome
 * mail sent by the worker) and a console user is created, signs in and mistypes a password, every document of
 * every collection — read with the bare driver, bypassing the models — is searched for the names and addresses.
 * Business data of every kind (leads, technicians, jobs, route plans, GPS points, invoices, payments) is written
 * through the models, as the engine's own code writes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { mailTo } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine?.close());

describe('personal data at rest', () => {
  it('appears in no document of any collection', async () => {
    const tag = randomBytes(4).toString('hex');
    const personal = {
      adminEmail: `admin-${tag}@staff.loro.example`,
      ownerName: `Olivia Plaintext-${tag}`,
      ownerEmail: `olivia.${tag}@acme-plaintext.example`,
      userName: `Umberto Cleartext-${tag}`,
      userEmail: `umberto.${tag}@staff.loro.example`,
      leadName: `Lena Leadington-${tag}`,
      leadEmail: `lena.${tag}@prospect-plain.example`,
      leadPhone: `+4930${parseInt(tag, 16) % 10_000_000}`,
      leadNotes: `Prefers calls after lunch, mentioned divorce-${tag}-note`,
      techName: `Tomasz Technik-${tag}`,
      homeLabel: `12 Homestreet-${tag}`,
      customerName: `Carla Customer-${tag}`,
      customerPhone: `+3361${parseInt(tag, 16) % 10_000_000}`,
      payerName: `Pablo Payer-${tag}`,
      taxId: `DE${parseInt(tag, 16)}`,
    };
    // Coordinates are personal too: searched as the decimal strings a leak would show.
    const home = { lat: 52.52 + parseInt(tag.slice(0, 4), 16) / 1e9, lng: 13.405 + parseInt(tag.slice(4), 16) / 1e9, label: personal.homeLabel };
    const coordinates = { homeLat: String(home.lat), homeLng: String(home.lng) };
    await addUser(engine, ['admin'], personal.adminEmail);
    const admin = await HttpSession.signIn(engine.baseUrl, personal.adminEmail);

    const user = await admin.request('POST', '/api/users', { email: personal.userEmail, name: personal.userName, roles: ['ops'], password: TEST_PASSWORD });
    expect(user.status, user.text).toBe(201);
    expect(user.json.user).toMatchObject({ email: personal.userEmail, name: personal.userName });
    // A failed and a successful sign-in of the new user (the login throttle writes its counters).
    expect((await new HttpSession(engine.baseUrl).request('POST', '/api/auth/login', { email: personal.userEmail, password: 'wrong password 0000' })).status).toBe(401);
    const ops = await HttpSession.signIn(engine.baseUrl, personal.userEmail.toUpperCase());
    expect((await ops.request('GET', '/api/auth/me')).json.user).toMatchObject({ email: personal.userEmail, name: personal.userName });

    const created = await ops.request('POST', '/api/accounts', { name: `Acme ${tag}`, owner: { name: personal.ownerName, email: personal.ownerEmail } });
    expect(created.status, created.text).toBe(202);
    // The worker read the owner's address (decrypted) and mailed the owner.
    const [mail] = await waitFor('the welcome mail', async () => {
      const m = await mailTo(personal.ownerEmail);
      return m.length ? m : undefined;
    });
    expect(mail!.text).toContain(`Hello ${personal.ownerName}`);
    await waitFor('onboarding state welcomed', async () => {
      const r = await ops.request('GET', `/api/accounts/${created.json.accountId}`);
      return r.json?.onboarding?.status === 'welcomed';
    });
    // The API still shows users their own data.
    const listed = await admin.request('GET', '/api/users');
    expect(listed.json.users).toEqual(expect.arrayContaining([expect.objectContaining({ email: personal.userEmail, name: personal.userName })]));

    const accountId = created.json.accountId as string;
    const m = engine.deps.models;
    await m.Lead.create({ _id: `lead_${tag}`, accountId, name: personal.leadName, email: personal.leadEmail, phone: personal.leadPhone, notes: personal.leadNotes, address: { label: personal.homeLabel }, timeZone: 'Asia/Tokyo' });
    await m.Technician.create({ _id: `tech_${tag}`, accountId, region: 'berlin', name: personal.techName, startLocation: home, shift: { start: '08:00', end: '17:00', timeZone: 'Europe/Berlin' } });
    await m.Job.create({ _id: `job_${tag}`, accountId, region: 'berlin', date: '2026-11-26', customer: { name: personal.customerName, phone: personal.customerPhone }, location: home, serviceMinutes: 30 });
    await m.RoutePlan.create({ _id: `plan_${tag}`, accountId, region: 'berlin', date: '2026-11-26', version: 1, estimated: true, geometry: { type: 'LineString', coordinates: [[home.lng, home.lat]] } });
    await m.LocationPoint.insertMany([{ _id: `pos_${tag}`, accountId, technicianId: `tech_${tag}`, at: new Date(), receivedAt: new Date(), position: { lat: home.lat, lng: home.lng, accuracy: 5 } }]);
    await m.Invoice.create({ _id: `inv_${tag}`, accountId, number: `INV-${tag}`, customer: { name: personal.customerName, email: personal.leadEmail, address: { label: personal.homeLabel }, taxId: personal.taxId }, totalCents: 1000, currency: 'EUR' });
    await m.Payment.create({ _id: `pay_${tag}`, accountId, invoiceId: `inv_${tag}`, amountCents: 1000, currency: 'EUR', method: 'card', payerName: personal.payerName, paidAt: new Date() });
    // Read back through the models: the values are there, in the clear, for the engine.
    expect((await m.Lead.findById(`lead_${tag}`).lean())?.notes).toBe(personal.leadNotes);
    expect((await m.Job.findById(`job_${tag}`).lean())?.location).toEqual(home);

    const db = engine.deps.mongo.getClient().db(engine.deps.mongo.name);
    const collections = (await db.listCollections().toArray()).map((c) => c.name).sort();
    expect(collections).toEqual(expect.arrayContaining(['accounts', 'users', 'data_keys', 'notifications', 'sessions', 'leads', 'technicians', 'jobs', 'route_plans', 'location_points', 'invoices', 'payments']));
    const leaks: string[] = [];
    let documents = 0;
    for (const name of collections) {
      for (const doc of await db.collection(name).find().toArray()) {
        documents++;
        const json = JSON.stringify(doc).toLowerCase();
        for (const [what, value] of Object.entries(coordinates)) if (json.includes(value)) leaks.push(`${name} ${String(doc._id)}: ${what}`);
        for (const [what, value] of Object.entries(personal)) {
          // Addresses also without their domain, names also by their distinctive last part.
          for (const needle of [value, value.split('@')[0]!, value.split(' ').at(-1)!]) {
            if (json.includes(needle.toLowerCase())) leaks.push(`${name} ${String(doc._id)}: ${what}`);
          }
        }
      }
    }
    expect(documents).toBeGreaterThan(5);
    expect([...new Set(leaks)]).toEqual([]);
  });
});
