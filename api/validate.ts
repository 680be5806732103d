/** One ajv instance validates every request against the route's JSON Schemas and reports every failing field. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { RequestHandler } from 'express';
import { badRequest } from './problem.ts';
import { addLoroFormats } from '../schemas/formats.ts';
import type { RouteSpec } from './routes/registry.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
addFormats.default(ajv);
addLoroFormats(ajv);
// Query strings and path parameters are text: coerce them to the declared types.
const ajvCoercing = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false });
addFormats.default(ajvCoercing);
addLoroFormats(ajvCoercing);

export function describe(part: string, err: ErrorObject) {
  let path = `/${part}${err.instancePath}`;
  const params = err.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (params.missingProperty) path += `/${params.missingProperty}`;
  if (params.additionalProperty) return { path: `${path}/${params.additionalProperty}`, message: 'is not an accepted field' };
  const message = params.allowedValues ? `must be one of ${params.allowedValues.join(', ')}` : (err.message ?? 'is invalid');
  return { path, message };
}

export function validateRequest(spec: Pick<RouteSpec, 'body' | 'query' | 'params'>): RequestHandler {
  const compile = (schema: object | undefined, coercing: boolean): ValidateFunction | undefined =>
    schema ? (coercing ? ajvCoercing : ajv).compile(schema) : undefined;
  const parts = {
    body: compile(spec.body as object | undefined, false),
    query: compile(spec.query as object | undefined, true),
    params: compile(spec.params as object | undefined, true),
  };
  return (req, res, next) => {
    const errors: { path: string; message: string }[] = [];
    const validated: Record<string, unknown> = {};
    for (const [part, validate] of Object.entries(parts)) {
      const source = part === 'body' ? req.body : part === 'query' ? req.query : req.params;
      // Express 5's req.query is a getter: validate a copy and hand the handler the validated copy.
      const value = source === undefined ? (part === 'body' ? undefined : {}) : structuredClone(source);
      if (validate && !validate(value ?? {})) errors.push(...validate.errors!.map((e) => describe(part, e)));
      validated[part] = value ?? (part === 'body' ? undefined : {});
    }
    if (parts.body && req.body === undefined && !errors.some((e) => e.path.startsWith('/body'))) {
      errors.push({ path: '/body', message: 'a JSON body (content-type: application/json) is required' });
    }
    if (errors.length) return next(badRequest(errors));
    res.locals.validated = validated;
    next();
  };
}
