// /api/profile — the signed-in user's own personal data (read, correct) and password.
import { ApiError, request } from './http';
import type { ChangePasswordRequest, Profile, ProfileResponse, UpdateProfileRequest } from './types';

function profileFrom(body: ProfileResponse | undefined, method: string): Profile {
  const p = body?.profile;
  if (!p || typeof p.id !== 'string' || typeof p.email !== 'string' || typeof p.name !== 'string') {
    throw new ApiError({ kind: 'invalid-response', method, url: '/api/profile', status: 200 });
  }
  return { ...p, roles: Array.isArray(p.roles) ? p.roles : [] };
}

export async function getProfile(signal?: AbortSignal): Promise<Profile> {
  return profileFrom(await request<ProfileResponse>('/api/profile', { signal }), 'GET');
}

/** Sends only the fields given; 400 lists every failing field, 409 means another user has the address. */
export async function updateProfile(changes: UpdateProfileRequest): Promise<Profile> {
  return profileFrom(await request<ProfileResponse>('/api/profile', { method: 'PATCH', body: changes }), 'PATCH');
}

/** 204 on success; a wrong current password is a 400 on `currentPassword`. */
export async function changePassword(body: ChangePasswordRequest): Promise<void> {
  await request<void>('/api/profile/password', { method: 'POST', body });
}
