// Maps a 400 problem+json's `errors[]` onto a form's fields by the body property each path starts with
// ("/body/dataCategories/0" → dataCategories), which lib/api/errors.ts's last-segment rule cannot do for arrays.
import { isApiError } from '../../lib/api/http';

export function errorsByField<F extends string>(err: unknown, fields: readonly F[]): { fields: Partial<Record<F, string>>; other: string[] } {
  const byField: Partial<Record<F, string>> = {};
  const other: string[] = [];
  if (!isApiError(err)) return { fields: byField, other };
  for (const e of err.errors) {
    const segments = e.path.split('/').filter(Boolean);
    const name = segments[0] === 'body' ? segments[1] : segments[0];
    const field = fields.find((f) => f === name);
    const message = e.message ? e.message[0]!.toUpperCase() + e.message.slice(1) : 'Is invalid';
    if (field) byField[field] ??= segments.length > 2 ? `${message} (item ${Number(segments[2]) + 1})` : message;
    else other.push(name ? `${name}: ${e.message}` : e.message);
  }
  return { fields: byField, other };
}
