// The one place that turns API failures into words for people.
import { ApiError, isAbort, isApiError } from './http';

export interface MessageContext {
  /** What was being attempted, e.g. "load workflows" (used in generic messages). */
  action?: string;
  /** Wording for a 404 in this context. */
  notFound?: string;
  /** Fallback wording for a 401 in this context; when set, the server's detail is preferred. */
  unauthorized?: string;
}

function retryHint(err: ApiError): string {
  if (err.retryAfter === undefined) return '';
  const s = Math.ceil(err.retryAfter);
  if (s <= 1) return ' Try again in a moment.';
  if (s < 120) return ` Try again in ${s} seconds.`;
  return ` Try again in ${Math.ceil(s / 60)} minutes.`;
}

function fieldName(path: string): string {
  const segments = path.split(/[/.[\]]+/).filter(Boolean);
  return segments[segments.length - 1] ?? '';
}

/** A short, user-facing sentence for any error thrown by the API client. */
export function userMessage(err: unknown, ctx: MessageContext = {}): string {
  const action = ctx.action ? `Couldn't ${ctx.action}. ` : '';
  if (!isApiError(err)) {
    if (isAbort(err)) return '';
    return `${action}Something went wrong in the console. Reload the page and try again.`;
  }
  switch (err.kind) {
    case 'aborted':
      return '';
    case 'network':
      return `${action}Can't reach the LORO engine server. Check your connection and try again.`;
    case 'timeout':
      return `${action}The server took too long to answer. Try again.`;
    case 'invalid-response':
      return `${action}The server sent an unexpected response.`;
    case 'http':
      break;
  }
  const detail = err.detail?.trim();
  const status = err.status;
  if (status === 400 || status === 422) {
    if (err.errors.length) {
      const list = err.errors.map((e) => (fieldName(e.path) ? `${fieldName(e.path)} ${e.message}` : e.message));
      return `${action}${list.join('; ')}.`;
    }
    return detail || `${action}The request was not valid.`;
  }
  if (status === 401) {
    // With a context wording (e.g. the sign-in form) the server's detail is the best
    // explanation; elsewhere a 401 means the session cookie is no longer valid.
    return ctx.unauthorized ? detail || ctx.unauthorized : 'Your session has expired. Please sign in again.';
  }
  if (status === 403) return detail || "You don't have permission to do this.";
  if (status === 404) return ctx.notFound ?? detail ?? `${action}Not found.`;
  if (status === 409) return detail || `${action}It was changed by someone else. Reload and try again.`;
  if (status === 429) return (detail || 'Too many attempts.') + (detail ? '' : retryHint(err));
  // The API's 5xx problem details are written for people (no internals, a request id
  // to quote); responses from proxies in between may carry no detail at all.
  if (status === 502 || status === 503 || status === 504) {
    return `${action}${detail || 'The service is temporarily unavailable. Try again shortly.'}`;
  }
  if (status >= 500) return `${action}${detail || `The server ran into a problem (${status}). Try again shortly.`}`;
  return detail || `${action}${err.title}`;
}

/**
 * Splits problem+json `errors[]` into messages for known form fields (keyed by
 * field name) and the rest. Paths may be JSON pointers ("/email"), dotted
 * ("body.email") or bare ("email").
 */
export function fieldErrors(
  err: unknown,
  knownFields: readonly string[],
): { fields: Record<string, string>; other: string[] } {
  const fields: Record<string, string> = {};
  const other: string[] = [];
  if (!isApiError(err)) return { fields, other };
  for (const e of err.errors) {
    const field = fieldName(e.path);
    if (field && knownFields.includes(field)) fields[field] ??= e.message;
    else other.push(field ? `${field}: ${e.message}` : e.message);
  }
  return { fields, other };
}
