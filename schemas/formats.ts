/**
 * Formats of our own, registered on every ajv instance that validates our schemas (api/validate.ts, the lead
 * import). `iana-time-zone`: a zone name the runtime's ICU knows (Intl) — `Asia/Tokyo`, `UTC`, links such as
 * `US/Eastern` — but not a bare offset (`+05:00`): send windows follow a place's daylight-saving rules.
 */
import type { Ajv } from 'ajv';

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const known = new Map<string, string | null>();

/** The zone's canonical spelling as Intl resolves it (`asia/tokyo` → `Asia/Tokyo`), or null if it is no IANA zone. */
export function canonicalTimeZone(zone: string): string | null {
  if (zone.length > 64 || !ZONE_NAME.test(zone)) return null;
  let canonical = known.get(zone);
  if (canonical === undefined) {
    try {
      canonical = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      canonical = null;
    }
    if (known.size < 10_000) known.set(zone, canonical);
  }
  return canonical;
}

export const isIanaTimeZone = (zone: string) => canonicalTimeZone(zone) !== null;

export function addLoroFormats(ajv: Ajv): Ajv {
  ajv.addFormat('iana-time-zone', { type: 'string', validate: isIanaTimeZone });
  return ajv;
}
