// /api/dev/mail — the local SMTP sink's outbox (development only; 404 in production).
import { ApiError, request } from './http';
import type { ListMailResponse, MailMessage } from './types';

export async function listMail(signal?: AbortSignal): Promise<MailMessage[]> {
  const body = await request<ListMailResponse>('/api/dev/mail', { signal });
  if (!body || !Array.isArray(body.messages)) {
    throw new ApiError({ kind: 'invalid-response', method: 'GET', url: '/api/dev/mail', status: 200 });
  }
  return body.messages.map((m) => ({ ...m, to: Array.isArray(m.to) ? m.to : [String(m.to ?? '')] }));
}

/** True when the error means "this server has no local mail sink" (production). */
export function isNoMailSink(err: unknown): boolean {
  return err instanceof ApiError && err.kind === 'http' && err.status === 404;
}
