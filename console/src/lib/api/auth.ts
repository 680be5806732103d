// /api/auth/* — session cookie based authentication.
import { ApiError, request } from './http';
import type { LoginRequest, User, UserResponse } from './types';

function userFrom(body: UserResponse | undefined, method: string, url: string): User {
  const user = body?.user;
  if (!user || typeof user.email !== 'string' || typeof user.id !== 'string') {
    throw new ApiError({ kind: 'invalid-response', method, url, status: 200 });
  }
  return { ...user, roles: Array.isArray(user.roles) ? user.roles : [] };
}

/** Signs in; the server sets an HTTP-only session cookie. 401/429/400 reject with ApiError. */
export async function login(credentials: LoginRequest, signal?: AbortSignal): Promise<User> {
  const body = await request<UserResponse>('/api/auth/login', {
    method: 'POST',
    body: credentials,
    signal,
    skipUnauthorizedHandler: true,
  });
  return userFrom(body, 'POST', '/api/auth/login');
}

export async function logout(): Promise<void> {
  await request<void>('/api/auth/logout', { method: 'POST', skipUnauthorizedHandler: true });
}

/** The signed-in user, or null when not signed in (401). Other failures reject. */
export async function me(signal?: AbortSignal): Promise<User | null> {
  try {
    const body = await request<UserResponse>('/api/auth/me', { signal, skipUnauthorizedHandler: true });
    // `{ user: null }` (e.g. an API-token principal) also means "no signed-in user".
    if (body && body.user === null) return null;
    return userFrom(body, 'GET', '/api/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'http' && err.status === 401) return null;
    throw err;
  }
}
