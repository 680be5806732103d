// /api/users, /api/tokens and /api/processors — what admins manage (the API answers 403 to everyone else).
import { ApiError, request } from './http';
import type { Role, User } from './types';
import { API_SCOPES, type ApiScope, type ApiTokenSummary } from '../../../../schemas/auth.ts';

export { API_SCOPES };
export type { ApiScope, ApiTokenSummary };

const invalid = (method: string, url: string) => new ApiError({ kind: 'invalid-response', method, url, status: 200 });

export interface NewUser {
  email: string;
  name: string;
  roles: Role[];
  password: string;
}

export async function listUsers(signal?: AbortSignal): Promise<User[]> {
  const body = await request<{ users: User[] }>('/api/users', { signal });
  if (!body || !Array.isArray(body.users)) throw invalid('GET', '/api/users');
  return body.users;
}

/** 400 names every failing field; 409 when the address belongs to another user. */
export async function createUser(user: NewUser): Promise<User> {
  const body = await request<{ user: User }>('/api/users', { method: 'POST', body: user });
  if (!body?.user) throw invalid('POST', '/api/users');
  return body.user;
}

/** 409 when it would leave no enabled admin. The user gets a security alert mail. */
export async function setRoles(userId: string, roles: Role[]): Promise<User> {
  const url = `/api/users/${encodeURIComponent(userId)}/roles`;
  const body = await request<{ user: User }>(url, { method: 'PUT', body: { roles } });
  if (!body?.user) throw invalid('PUT', url);
  return body.user;
}

export async function listTokens(signal?: AbortSignal): Promise<ApiTokenSummary[]> {
  const body = await request<{ tokens: ApiTokenSummary[] }>('/api/tokens', { signal });
  if (!body || !Array.isArray(body.tokens)) throw invalid('GET', '/api/tokens');
  return body.tokens;
}

export interface NewToken {
  name: string;
  scopes: ApiScope[];
  expiresInDays?: number;
}

/** The answer holds the secret: the only time anyone sees it. */
export interface CreatedToken {
  id: string;
  token: string;
  scopes: ApiScope[];
  expiresAt: string;
}

export async function createToken(token: NewToken): Promise<CreatedToken> {
  const body = await request<CreatedToken>('/api/tokens', { method: 'POST', body: token });
  if (!body || typeof body.token !== 'string') throw invalid('POST', '/api/tokens');
  return body;
}

export async function revokeToken(id: string): Promise<void> {
  await request(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export interface Processor {
  id: string;
  name: string;
  purpose: string;
  dataCategories: string[];
  location: string;
  contractSignedAt?: string;
}

export type NewProcessor = Omit<Processor, 'id'>;

export async function listProcessors(signal?: AbortSignal): Promise<Processor[]> {
  const body = await request<{ processors: Processor[] }>('/api/processors', { signal });
  if (!body || !Array.isArray(body.processors)) throw invalid('GET', '/api/processors');
  return body.processors;
}

/** 400 names every failing field; 409 when a processor of that name is registered. */
export async function addProcessor(processor: NewProcessor): Promise<{ id: string }> {
  return request('/api/processors', { method: 'POST', body: processor });
}
