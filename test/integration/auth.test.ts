/**
 * The API's auth layer against the real stack: sessions (argon2id, express-session in MongoDB), login
 * throttling, roles, scoped API tokens, the socket.io handshake, and the public meta routes.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { createAccountBodySchema } from '../../schemas/accounts.ts';
import { findByBlindIndex } from '../../lib/crypto/encrypted-fields.ts';
import { sweepExpiredSessions } from '../../api/app.ts';

const MAX_ATTEMPTS = 3;
const ZEROS = '0'.repeat(32);

let engine: Engine;
let admin: HttpSession;
let ops: HttpSession;
let engineer: HttpSession;

beforeAll(async () => {
  engine = await startEngine({ env: { LOGIN_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
  const [a, o, e] = await Promise.all([addUser(engine, ['admin']), addUser(engine, ['ops']), addUser(engine, ['engineer'])]);
  [admin, ops, engineer] = await Promise.all([HttpSession.signIn(engine.baseUrl, a.email), HttpSession.signIn(engine.baseUrl, o.email), HttpSession.signIn(engine.baseUrl, e.email)]);
});
afterAll(() => engine?.close());

/** A request with no cookie jar: exactly the headers given. */
const call = (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) =>
  new HttpSession(engine.baseUrl).request(method, path, opts.body, opts.headers);

const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  call('POST', '/api/auth/login', { body: { email, password }, headers });

const sessionCookie = (headers: Headers) => headers.getSetCookie().find((c) => c.startsWith('loro.sid='));

function expectProblem(res: { status: number; headers: Headers; json: any }, status: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.json).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String) });
}

const newAccount = () => ({ name: 'Token Test Co', owner: { name: 'Tess Token', email: uniqueEmail('token-owner') } });

async function createToken(scopes: string[], name = 'test token') {
  const res = await admin.request('POST', '/api/tokens', { name, scopes });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; token: string; scopes: string[]; expiresAt: string };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('sessions', () => {
  it('runs with the throttle limit this file set', () => {
    expect(engine.config.loginMaxAttempts).toBe(MAX_ATTEMPTS);
  });

  it('sign-in sets an HttpOnly, SameSite=Strict loro.sid cookie; /me returns the user; logout ends the session', async () => {
    const user = await addUser(engine, ['ops']);
    const res = await login(user.email, TEST_PASSWORD);
    expect(res.status, res.text).toBe(200);
    expect(res.json.user).toEqual(user);
    const setCookie = sessionCookie(res.headers);
    expect(setCookie).toBeDefined();
    const attributes = setCookie!.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    const cookie = setCookie!.split(';')[0]!;

    const me = await call('GET', '/api/auth/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.json.user).toEqual(user);
    // The session's last sign-in is recorded.
    expect((await engine.deps.models.User.findById(user.id).lean())!.lastLoginAt).toBeInstanceOf(Date);

    const out = await call('POST', '/api/auth/logout', { headers: { cookie } });
    expect(out.status).toBe(204);
    expect(sessionCookie(out.headers)).toMatch(/^loro\.sid=;/); // the browser is told to drop it

    // The old cookie, replayed, no longer names a session on the server.
    expectProblem(await call('GET', '/api/auth/me', { headers: { cookie } }), 401);
  });

  it('expired sessions are swept with an acknowledged delete; live ones stay', async () => {
    const sessions = engine.deps.mongo.getClient().db(engine.deps.mongo.name).collection<{ _id: string; session: string; expires: Date }>('sessions');
    const expired = `expired-${Date.now()}`;
    await sessions.insertOne({ _id: expired, session: '{}', expires: new Date(Date.now() - 60_000) });
    // Acknowledged: the count of deleted sessions comes back (an unacknowledged delete reports none).
    expect(await sweepExpiredSessions(engine.deps)).toBeGreaterThanOrEqual(1);
    expect(await sessions.countDocuments({ _id: expired })).toBe(0);
    expect((await admin.request('GET', '/api/auth/me')).status).toBe(200);
  });

  it('does not hand out a session cookie before sign-in', async () => {
    const res = await call('GET', '/healthz');
    expect(sessionCookie(res.headers)).toBeUndefined();
    expectProblem(await call('GET', '/api/auth/me'), 401);
  });

  it('signing in on an existing session issues a new session ID and retires the old one (no fixation)', async () => {
    // The attacker's own valid session, planted in the victim's browser…
    const attacker = await addUser(engine, ['engineer']);
    const victim = await addUser(engine, ['admin']);
    const browser = await HttpSession.signIn(engine.baseUrl, attacker.email);
    const planted = browser.cookieHeader;
    expect(planted).toMatch(/^loro\.sid=.+/);

    // …then the victim signs in in that browser.
    const res = await browser.request('POST', '/api/auth/login', { email: victim.email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    const after = browser.cookieHeader;
    expect(after).toMatch(/^loro\.sid=.+/);
    expect(after).not.toBe(planted);

    expect((await call('GET', '/api/auth/me', { headers: { cookie: after } })).json.user.id).toBe(victim.id);
    // The planted cookie is not the victim's session, nor the attacker's any more.
    expectProblem(await call('GET', '/api/auth/me', { headers: { cookie: planted } }), 401);
  });

  it('a forged cookie is replaced on sign-in', async () => {
    const user = await addUser(engine, ['ops']);
    const forged = 'loro.sid=s%3Aattacker-chosen-id.invalidsignature';
    const res = await login(user.email, TEST_PASSWORD, { cookie: forged });
    expect(res.status).toBe(200);
    const set = sessionCookie(res.headers)!.split(';')[0]!;
    expect(set).not.toBe(forged);
    expect(set).not.toContain('attacker-chosen-id');
  });

  it('a disabled user can neither sign in nor keep using a session', async () => {
    const user = await addUser(engine, ['ops']);
    const session = await HttpSession.signIn(engine.baseUrl, user.email);
    await engine.deps.models.User.updateOne({ _id: user.id }, { $set: { disabled: true } });
    expectProblem(await session.request('GET', '/api/auth/me'), 401);
    const res = await login(user.email, TEST_PASSWORD);
    expectProblem(res, 401);
    expect(res.json.detail).toBe('Wrong email or password');
  });
});

describe('login failures and throttling', () => {
  it('answers a wrong password and an unknown email alike (no user enumeration)', async () => {
    const user = await addUser(engine, ['ops']);
    const wrong = await login(user.email, 'not the password at all');
    const unknown = await login(uniqueEmail('nobody'), TEST_PASSWORD);
    expectProblem(wrong, 401);
    expectProblem(unknown, 401);
    expect(wrong.json.detail).toBeTruthy();
    const { requestId: _a, ...w } = wrong.json;
    const { requestId: _b, ...u } = unknown.json;
    expect(w).toEqual(u);
    expect(sessionCookie(wrong.headers)).toBeUndefined();
    expect(sessionCookie(unknown.headers)).toBeUndefined();
  });

  it(`after ${MAX_ATTEMPTS} failures for one email from one address, answers 429 with retry-after, even to the right password`, async () => {
    const user = await addUser(engine, ['ops']);
    const other = await addUser(engine, ['ops']);
    for (let i = 0; i < MAX_ATTEMPTS; i++) expectProblem(await login(user.email, `wrong password ${i}`), 401);

    const blocked = await login(user.email, TEST_PASSWORD);
    expectProblem(blocked, 429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(sessionCookie(blocked.headers)).toBeUndefined();
    // The email's case does not open a second budget.
    expectProblem(await login(user.email.toUpperCase(), TEST_PASSWORD), 429);

    // Another email from the same address is not blocked.
    expect((await login(other.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('a successful sign-in resets the per-account count', async () => {
    const user = await addUser(engine, ['ops']);
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) expectProblem(await login(user.email, 'wrong'), 401);
    expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) expectProblem(await login(user.email, 'wrong'), 401);
    expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  // Attempts are reserved before the password is verified, so parallel guesses cannot slip past the limit.
  it('parallel attempts cannot exceed the limit', async () => {
    const user = await addUser(engine, ['ops']);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => login(user.email, `wrong ${i}`)));
    const evaluated = results.filter((r) => r.status === 401).length;
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(evaluated).toBeLessThanOrEqual(MAX_ATTEMPTS);
  });
});

describe('roles', () => {
  const newUser = (roles: string[]) => ({ email: uniqueEmail('new-user'), name: 'New User', roles, password: 'another long password 456' });

  it('ops cannot create users or tokens (403 naming the roles), and nothing is stored', async () => {
    const [users, tokens] = await Promise.all([engine.deps.models.User.countDocuments(), engine.deps.models.ApiToken.countDocuments()]);
    const u = await ops.request('POST', '/api/users', newUser(['ops']));
    expectProblem(u, 403);
    expect(u.json.detail).toContain('admin');
    const t = await ops.request('POST', '/api/tokens', { name: 'nope', scopes: ['accounts:write'] });
    expectProblem(t, 403);
    expect(t.json.detail).toContain('admin');
    expect(await engine.deps.models.User.countDocuments()).toBe(users);
    expect(await engine.deps.models.ApiToken.countDocuments()).toBe(tokens);
  });

  it('an engineer cannot create accounts (403) but can list workflows', async () => {
    const before = await engine.deps.models.Account.countDocuments();
    const res = await engineer.request('POST', '/api/accounts', newAccount());
    expectProblem(res, 403);
    expect(res.json.detail).toMatch(/ops/);
    expect(res.json.detail).toMatch(/admin/);
    expect(await engine.deps.models.Account.countDocuments()).toBe(before);
    const list = await engineer.request('GET', '/api/workflows');
    expect(list.status, list.text).toBe(200);
    expect(Array.isArray(list.json.executions)).toBe(true);
  });

  it('an admin creates users (201; the user can sign in; a duplicate email is 409) and tokens', async () => {
    const body = newUser(['engineer']);
    const res = await admin.request('POST', '/api/users', body);
    expect(res.status, res.text).toBe(201);
    expect(res.json.user).toMatchObject({ email: body.email, name: body.name, roles: ['engineer'], id: expect.stringMatching(/^usr_/) });
    expect(res.text).not.toContain(body.password);
    expect((await login(body.email, body.password)).status).toBe(200);

    const dup = await admin.request('POST', '/api/users', { ...body, email: body.email.toUpperCase(), name: 'Someone Else' });
    expectProblem(dup, 409);
    expect(await findByBlindIndex(engine.deps.models.User, 'email', body.email)).toHaveLength(1);

    const token = await createToken(['workflows:read']);
    expect(token).toMatchObject({ id: expect.stringMatching(/^tok_[0-9a-f]{32}$/), scopes: ['workflows:read'] });
    expect(token.token.startsWith(`loro_${token.id}_`)).toBe(true);
  });
});

describe('API tokens', () => {
  it('a token scoped accounts:write creates accounts but cannot list workflows or administer', async () => {
    const { token } = await createToken(['accounts:write']);
    const created = await call('POST', '/api/accounts', { body: newAccount(), headers: bearer(token) });
    expect(created.status, created.text).toBe(202);
    expect(await engine.deps.models.Account.findById(created.json.accountId).lean()).toBeTruthy();

    const list = await call('GET', '/api/workflows', { headers: bearer(token) });
    expectProblem(list, 403);
    expect(list.json.detail).toContain('workflows:read');
    // Reading an account needs accounts:read, which this token lacks.
    expectProblem(await call('GET', `/api/accounts/${created.json.accountId}`, { headers: bearer(token) }), 403);
    // Routes without a token scope are for signed-in users only.
    expectProblem(await call('POST', '/api/tokens', { body: { name: 'escalate', scopes: ['workflows:read'] }, headers: bearer(token) }), 403);
    expectProblem(await call('GET', '/api/auth/me', { headers: bearer(token) }), 403);
  });

  it('a malformed token or a wrong secret is 401', async () => {
    const { id, token } = await createToken(['workflows:read']);
    expect((await call('GET', '/api/workflows', { headers: bearer(token) })).status).toBe(200);
    const secret = token.slice(`loro_${id}_`.length);
    const wrongSecret = `loro_${id}_${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
    for (const bad of ['not-a-token', `loro_${id}`, `loro_${id}_short`, token.slice(0, -1), wrongSecret, `loro_tok_${ZEROS}_${secret}`]) {
      const res = await call('GET', '/api/workflows', { headers: bearer(bad) });
      expectProblem(res, 401);
    }
    // A bad token is not rescued by a valid session cookie on the same request.
    expectProblem(await call('GET', '/api/workflows', { headers: { ...bearer('not-a-token'), cookie: ops.cookieHeader } }), 401);
  });

  it('a revoked token is 401; revoking twice is 404', async () => {
    const { id, token } = await createToken(['workflows:read']);
    expect((await call('GET', '/api/workflows', { headers: bearer(token) })).status).toBe(200);
    const revoked = await admin.request('DELETE', `/api/tokens/${id}`);
    expect(revoked.status).toBe(204);
    const res = await call('GET', '/api/workflows', { headers: bearer(token) });
    expectProblem(res, 401);
    expect(res.json.detail).toMatch(/revoked/);
    expectProblem(await admin.request('DELETE', `/api/tokens/${id}`), 404);
  });

  it('an expired token is 401', async () => {
    const { id, token } = await createToken(['workflows:read']);
    await engine.deps.models.ApiToken.updateOne({ _id: id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expectProblem(await call('GET', '/api/workflows', { headers: bearer(token) }), 401);
  });

  it('the database stores only the SHA-256 of the secret', async () => {
    const { id, token } = await createToken(['accounts:read'], 'stored-hash check');
    const secret = token.slice(`loro_${id}_`.length);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const doc = await engine.deps.models.ApiToken.findById(id).lean();
    expect(doc).toBeTruthy();
    expect(doc!.secretHash).toBe(createHash('sha256').update(secret).digest('hex'));
    const raw = await engine.deps.mongo.collection('api_tokens').findOne({ _id: id as never });
    const stored = JSON.stringify(raw);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(token);
    expect(doc!.scopes).toEqual(['accounts:read']);
    expect(doc!.createdBy).toMatch(/^usr_/);
  });
});

describe('every protected operation', () => {
  const SAMPLE_IDS = [`acc_${ZEROS}`, `tok_${ZEROS}`, `hld_${ZEROS}`, `usr_${ZEROS}`, `dc_${ZEROS}`, `exp_${ZEROS}`, `led_${ZEROS}`, `tec_${ZEROS}`, `job_${ZEROS}`, `seq_${ZEROS}`, `wfv_${ZEROS}`, `lead`];

  /** Fills each path parameter with a sample ID its schema accepts, so a 401 is not a 400 or 404 in disguise. */
  function concretePath(path: string, parameters: { name: string; in: string; schema?: { pattern?: string } }[]) {
    return path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const pattern = parameters.find((p) => p.in === 'path' && p.name === name)?.schema?.pattern;
      const id = SAMPLE_IDS.find((s) => !pattern || new RegExp(pattern).test(s));
      if (!id) throw new Error(`no sample ID fits ${path} {${name}} (${pattern})`);
      return id;
    });
  }

  it('answers 401 problem+json without credentials, as listed in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json;
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method, path, op })),
    );
    const protectedOps = operations.filter((o) => o.op['x-roles'] !== 'public');
    const publicOps = operations.filter((o) => o.op['x-roles'] === 'public');
    // The sweep must cover the API, not an empty document.
    expect(protectedOps.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining(['post /api/accounts', 'get /api/accounts/{id}', 'delete /api/tokens/{id}', 'get /api/auth/me', 'get /api/workflows']),
    );
    expect(publicOps.length).toBeGreaterThan(0);

    const wrong: string[] = [];
    for (const { method, path, op } of protectedOps) {
      const url = concretePath(path, op.parameters ?? []);
      const res = await call(method.toUpperCase(), url, op.requestBody ? { body: {} } : {});
      const isProblem = res.headers.get('content-type')?.includes('application/problem+json') && res.json?.status === 401;
      if (res.status !== 401 || !isProblem) wrong.push(`${method} ${url}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);

    // And the public ones do not ask for credentials.
    for (const { method, path, op } of publicOps) {
      const res = await call(method.toUpperCase(), concretePath(path, op.parameters ?? []), op.requestBody ? { body: {} } : {});
      expect(res.status, `${method} ${path}`).not.toBe(401);
    }
  });
});

describe('socket.io', () => {
  const sockets: Socket[] = [];
  afterAll(() => sockets.forEach((s) => s.close()));

  function connect(opts: { cookie?: string; token?: string }) {
    const socket = io(engine.baseUrl, {
      reconnection: false,
      forceNew: true,
      ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}),
      ...(opts.token ? { auth: { token: opts.token } } : {}),
    });
    sockets.push(socket);
    return new Promise<{ connected: true } | { error: string }>((resolve) => {
      socket.once('connect', () => resolve({ connected: true }));
      socket.once('connect_error', (err) => resolve({ error: err.message }));
    });
  }

  it('refuses a connection without a cookie', async () => {
    expect(await connect({})).toEqual({ error: 'unauthorized' });
  });

  it('refuses a forged session cookie', async () => {
    expect(await connect({ cookie: 'loro.sid=s%3Anot-a-session.bad' })).toEqual({ error: 'unauthorized' });
  });

  it('accepts the session cookie of a signed-in user', async () => {
    expect(await connect({ cookie: engineer.cookieHeader })).toEqual({ connected: true });
  });

  it('accepts a token with workflows:read and refuses one without it, or a bad one', async () => {
    const reader = await createToken(['workflows:read']);
    const writer = await createToken(['accounts:write', 'accounts:read']);
    expect(await connect({ token: reader.token })).toEqual({ connected: true });
    expect(await connect({ token: writer.token })).toEqual({ error: 'unauthorized' });
    expect(await connect({ token: 'loro_garbage' })).toEqual({ error: 'unauthorized' });
  });
});

describe('meta routes', () => {
  it('GET /api/openapi.json is OpenAPI 3.1 and documents POST /api/accounts with its body schema', async () => {
    const res = await call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.json.openapi).toMatch(/^3\.1\./);
    const op = res.json.paths['/api/accounts'].post;
    expect(op.requestBody.content['application/json'].schema).toEqual(createAccountBodySchema);
    expect(op['x-roles']).toEqual(['ops', 'admin']);
    expect(op['x-token-scope']).toBe('accounts:write');
    expect(res.json.paths['/api/openapi.json']?.get).toBeDefined();
  });

  it('GET /docs/ serves the Swagger UI', async () => {
    const res = await call('GET', '/docs/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('swagger-ui');
    expect(res.text).toContain('LORO engine API');
  });

  it('/healthz is 200 and /readyz is 200 with Temporal and MongoDB ok', async () => {
    const health = await call('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const ready = await call('GET', '/readyz');
    expect(ready.status, ready.text).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready', temporal: 'ok', mongodb: 'ok' });
  });

  it('every response carries an x-request-id; a valid incoming one is echoed, an invalid one replaced', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const a = await call('GET', '/healthz');
    const b = await call('GET', '/healthz');
    expect(a.headers.get('x-request-id')).toMatch(uuid);
    expect(b.headers.get('x-request-id')).toMatch(uuid);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));

    const echoed = await call('GET', '/healthz', { headers: { 'x-request-id': 'trace-abc_123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc_123');
    // Problems quote the same ID.
    const problem = await call('GET', '/api/auth/me', { headers: { 'x-request-id': 'trace-problem-1' } });
    expect(problem.headers.get('x-request-id')).toBe('trace-problem-1');
    expect(problem.json.requestId).toBe('trace-problem-1');

    for (const bad of ['has spaces in it', 'x'.repeat(65), 'semi;colon']) {
      const res = await call('GET', '/healthz', { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id')).toMatch(uuid);
    }
  });
});
