// The one fetch wrapper every API module uses: same-origin, cookie session
// (credentials: 'include'), JSON in/out, and RFC 9457 problem+json errors
// turned into a typed ApiError. User-facing wording lives in ./errors.ts.
import type { ProblemDetails, ProblemFieldError } from './types';

export type ApiErrorKind =
  /** The server answered with a non-2xx status. */
  | 'http'
  /** No answer: offline, DNS, connection refused, CORS… */
  | 'network'
  /** No answer within the timeout. */
  | 'timeout'
  /** The caller aborted the request (navigation, newer query…): never shown. */
  | 'aborted'
  /** 2xx but the body was not what we expected. */
  | 'invalid-response';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ApiErrorKind;
  /** HTTP status, 0 when there was no response. */
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: ProblemFieldError[];
  /** Seconds from the Retry-After header, when the server sent one. */
  readonly retryAfter: number | undefined;
  readonly method: string;
  readonly url: string;

  constructor(init: {
    kind: ApiErrorKind;
    method: string;
    url: string;
    status?: number;
    problem?: Partial<ProblemDetails>;
    retryAfter?: number;
    cause?: unknown;
  }) {
    const status = init.status ?? init.problem?.status ?? 0;
    const title = init.problem?.title ?? (status ? `HTTP ${status}` : init.kind);
    super(`${init.method} ${init.url}: ${init.problem?.detail ?? title}`, { cause: init.cause });
    this.kind = init.kind;
    this.status = status;
    this.type = init.problem?.type ?? 'about:blank';
    this.title = title;
    this.detail = init.problem?.detail;
    this.errors = Array.isArray(init.problem?.errors) ? init.problem.errors : [];
    this.retryAfter = init.retryAfter;
    this.method = init.method;
    this.url = init.url;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** True for errors that must not be shown (request superseded / page left). */
export function isAbort(err: unknown): boolean {
  return (
    (isApiError(err) && err.kind === 'aborted') ||
    (err instanceof DOMException && err.name === 'AbortError')
  );
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  /** A body sent as it is (a file), with its content type, instead of JSON. */
  rawBody?: { contentType: string; data: Blob | string };
  signal?: AbortSignal;
  /** Milliseconds before the request is abandoned (default 20 s). */
  timeoutMs?: number;
  /**
   * Do not report a 401 to the global unauthorized handler (used by the auth
   * endpoints themselves, where a 401 is an expected answer).
   */
  skipUnauthorizedHandler?: boolean;
}

const DEFAULT_TIMEOUT_MS = 20_000;

let unauthorizedHandler: ((err: ApiError) => void) | null = null;

/** Called when any API call answers 401 (the session expired or was revoked). */
export function setUnauthorizedHandler(handler: ((err: ApiError) => void) | null): void {
  unauthorizedHandler = handler;
}

function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function readProblem(res: Response): Promise<Partial<ProblemDetails>> {
  const fallback: Partial<ProblemDetails> = { status: res.status, title: res.statusText || `HTTP ${res.status}` };
  const contentType = res.headers.get('content-type') ?? '';
  if (!/json/i.test(contentType)) return fallback;
  try {
    const body: unknown = await res.json();
    if (!body || typeof body !== 'object') return fallback;
    const b = body as Record<string, unknown>;
    const errors = Array.isArray(b.errors)
      ? b.errors
          .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
          .map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }))
      : undefined;
    return {
      type: typeof b.type === 'string' ? b.type : undefined,
      title: typeof b.title === 'string' ? b.title : fallback.title,
      status: typeof b.status === 'number' ? b.status : res.status,
      detail: typeof b.detail === 'string' ? b.detail : undefined,
      instance: typeof b.instance === 'string' ? b.instance : undefined,
      errors,
    };
  } catch {
    return fallback;
  }
}

/**
 * Performs one API request. Resolves with the parsed JSON body (undefined for
 * 204 / empty bodies); rejects with an ApiError for every failure.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined && options.rawBody === undefined ? 'GET' : 'POST');
  const url = buildUrl(path, options.query);

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const onCallerAbort = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });

  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.rawBody) headers['Content-Type'] = options.rawBody.contentType;

  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: options.rawBody ? options.rawBody.data : options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'include',
      cache: 'no-store',
      signal: controller.signal,
    });
  } catch (cause) {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
    const kind: ApiErrorKind = timedOut ? 'timeout' : controller.signal.aborted ? 'aborted' : 'network';
    throw new ApiError({ kind, method, url, cause });
  }

  try {
    if (!res.ok) {
      const problem = await readProblem(res);
      const err = new ApiError({
        kind: 'http',
        method,
        url,
        status: res.status,
        problem,
        retryAfter: parseRetryAfter(res.headers.get('retry-after')),
      });
      if (res.status === 401 && !options.skipUnauthorizedHandler) unauthorizedHandler?.(err);
      throw err;
    }
    if (res.status === 204 || res.status === 205) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new ApiError({ kind: 'invalid-response', method, url, status: res.status, cause });
    }
  } catch (err) {
    if (isApiError(err)) throw err;
    const kind: ApiErrorKind = timedOut ? 'timeout' : controller.signal.aborted ? 'aborted' : 'network';
    throw new ApiError({ kind, method, url, status: res.status, cause: err });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}
