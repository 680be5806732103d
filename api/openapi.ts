/** The OpenAPI 3.1 document, generated from the same route declarations and JSON Schemas that validate requests. */
import { openApiPath, type ResponseSpec, type RouteSpec } from './routes/registry.ts';
import { problemSchema } from '../schemas/common.ts';

type Schema = Record<string, unknown>;

function parameters(schema: Schema | undefined, where: 'query' | 'path') {
  const props = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: s }));
}

export function buildOpenApi(routes: RouteSpec[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes.filter((r) => !r.hidden)) {
    const security = r.access.roles === 'public' ? [] : [{ session: [] }, ...(r.access.scope ? [{ token: [r.access.scope] }] : [])];
    (paths[openApiPath(r.path)] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      'x-roles': r.access.roles,
      ...(r.access.scope ? { 'x-token-scope': r.access.scope } : {}),
      security,
      parameters: [...parameters(r.params as Schema, 'path'), ...parameters(r.query as Schema, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      responses: Object.fromEntries(
        Object.entries<ResponseSpec>({ ...r.responses, ...(r.body || r.query ? { 400: { description: 'invalid input: every failing field is listed', schema: problemSchema } } : {}) }).map(
          ([status, spec]) => [
            status,
            {
              description: spec.description,
              ...(spec.schema ? { content: { [Number(status) >= 400 ? 'application/problem+json' : (spec.contentType ?? 'application/json')]: { schema: spec.schema } } } : {}),
            },
          ],
        ),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'LORO engine API', version: info.version, description: 'Triggers and monitors the LORO engine’s workflows. Errors are RFC 9457 problem+json.' },
    servers: [{ url: info.serverUrl }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'loro.sid', description: 'console session (POST /api/auth/login)' },
        token: { type: 'http', scheme: 'bearer', description: 'scoped API token: loro_<id>_<secret>' },
      },
    },
    paths,
  };
}
