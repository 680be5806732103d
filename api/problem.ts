/** Expected client errors are HttpProblems; one middleware turns every error into RFC 9457 problem+json. */
import type { ErrorRequestHandler, Response } from 'express';
import type { Problem } from '../contracts/api-types.ts';
import type {} from 'pino-http';

const TYPE_BASE = 'https://loro.example/problems/';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: Problem['errors'],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }
}

export const badRequest = (errors: NonNullable<Problem['errors']>) =>
  new HttpProblem(400, 'validation', 'Your request is not valid', `${errors.length} field(s) failed validation`, errors);
export const unauthorized = (detail = 'Sign in or send a valid API token') => new HttpProblem(401, 'unauthorized', 'Not authenticated', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Not allowed', detail);
export const notFound = (detail: string) => new HttpProblem(404, 'not-found', 'Not found', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'conflict', 'Conflict', detail);
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new HttpProblem(429, 'too-many-requests', 'Too many requests', detail, undefined, { 'retry-after': String(retryAfterSeconds) });
export const unavailable = (detail: string) => new HttpProblem(503, 'unavailable', 'Service unavailable', detail);

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}) {
  res.status(problem.status).set({ 'content-type': 'application/problem+json', ...headers }).send(JSON.stringify(problem));
}

export const problemHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  const requestId = String(req.id ?? '');
  if (err instanceof HttpProblem) {
    return sendProblem(
      res,
      { type: TYPE_BASE + err.slug, title: err.title, status: err.status, detail: err.detail, instance: req.originalUrl.split('?')[0], requestId, errors: err.errors },
      err.headers,
    );
  }
  // Body-parser errors (malformed JSON, too large) are the client's.
  const status = (err as { status?: number; type?: string }).status;
  if (status && status >= 400 && status < 500) {
    return sendProblem(res, { type: TYPE_BASE + 'bad-body', title: 'The request body could not be read', status, detail: (err as Error).message, requestId });
  }
  // Unknown errors: log with context, answer without internals (they may hold data we must not leak).
  req.log.error({ err }, 'unhandled error');
  sendProblem(res, { type: TYPE_BASE + 'internal', title: 'Internal error', status: 500, detail: `Something went wrong; quote request ${requestId} when reporting it`, requestId });
};
