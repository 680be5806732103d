/**
 * Send windows in the lead's own time zone: pure and deterministic (no Node APIs, no clock), so the nurturing
 * workflow computes its timers with it and tests check the same arithmetic. Intl (with the IANA zone data of the
 * runtime) is the only thing it relies on; it is available in Temporal's workflow sandbox.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface SendWindow {
  /** Business days, e.g. ['mon','tue','wed','thu','fri']. */
  days: Weekday[];
  /**
   * Local opening and closing time, `HH:MM` (24 h); a send is due at or after `start` and before `end`. `end` may be
   * `24:00`, the midnight that ends the day.
   */
  start: string;
  end: string;
  /** Local dates without sends, `YYYY-MM-DD`. */
  holidays: string[];
}

export const DEFAULT_SEND_WINDOW: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', holidays: [] };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether the runtime knows the IANA zone. */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(ms: number, zone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (Tokyo: +9 h). */
export function zoneOffsetMs(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant of a local wall-clock time in the zone (a time skipped by a DST change lands just after the gap). */
export function localToInstant(year: number, month: number, day: number, minutesOfDay: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutesOfDay);
  let t = wall - zoneOffsetMs(wall, zone);
  const second = wall - zoneOffsetMs(t, zone);
  if (second !== t) t = Math.max(t, second);
  return t;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The local calendar date `YYYY-MM-DD` of an instant. */
export function localDate(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The local weekday of an instant. */
export function localWeekday(ms: number, zone: string): Weekday {
  const p = localParts(ms, zone);
  return WEEKDAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()]!;
}

/**
 * The first instant at or after `fromMs` inside the window in the zone: `fromMs` itself when the window is open,
 * else the next opening on a business day that is not a holiday. Throws when the window never opens (a year of
 * holidays, or no days) — sequence validation refuses such windows before they get here.
 */
export function nextSendTime(fromMs: number, zone: string, window: SendWindow): number {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const today = localParts(fromMs, zone);
  const days = new Set(window.days);
  const holidays = new Set(window.holidays);
  for (let k = 0; k < 400; k++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + k));
    const [y, m, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (!days.has(WEEKDAYS[d.getUTCDay()]!) || holidays.has(`${y}-${pad(m)}-${pad(dd)}`)) continue;
    const opens = localToInstant(y, m, dd, start, zone);
    const closes = localToInstant(y, m, dd, end, zone);
    if (fromMs < closes) return Math.max(fromMs, opens);
  }
  throw new RangeError('the send window never opens');
}

/** Whether the instant is inside the window in the zone. */
export function isInsideWindow(ms: number, zone: string, window: SendWindow): boolean {
  return nextSendTime(ms, zone, window) === ms;
}

/** ISO 8601 with the zone's offset, e.g. `2026-03-02T09:00:00.000+09:00`. */
export function formatInZone(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  const offsetMin = Math.round(zoneOffsetMs(ms, zone) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(((ms % 1000) + 1000) % 1000, 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * ISO-8601 durations of weeks, days, hours, minutes and seconds (`P2D`, `PT4H30M`, `P1W`) in milliseconds; a
 * leading `-` gives a negative value (which validation refuses). Months and years are not accepted: their length
 * depends on the calendar. Returns undefined when the text is not such a duration.
 */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text === '-P' || text.endsWith('T')) return undefined;
  const [, neg, w, d, h, mi, s] = m;
  const ms = (Number(w ?? 0) * 7 * 86_400 + Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return neg ? -ms : ms;
}
