import type { OutboxMessage } from '../../contracts/api-types.ts';
import { problemSchema } from '../../schemas/common.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound, unavailable } from '../problem.ts';
import { defineRoute } from './registry.ts';

export const devMailRoutes = ({ config }: ApiDeps) => [
  defineRoute({
    method: 'get',
    path: '/api/dev/mail',
    summary: 'The local mail sink’s outbox (development only)',
    tag: 'development',
    access: { roles: ['ops', 'engineer', 'admin'] },
    responses: { 200: { description: 'messages, newest first' }, 404: { description: 'no local mail sink', schema: problemSchema } },
    async handler() {
      if (!config.mailSinkUrl) throw notFound('This deployment sends mail through a relay; there is no local outbox');
      const res = await fetch(`${config.mailSinkUrl}/messages`).catch(() => null);
      if (!res?.ok) throw unavailable('The local mail sink does not answer');
      const { messages } = (await res.json()) as { messages: OutboxMessage[] };
      return { messages: messages.map(({ id, from, to, subject, date, text }) => ({ id, from, to, subject, date, text })) };
    },
  }),
];
