/**
 * Shifts are local wall-clock times in the technician's zone; an instant is inside the shift when its local
 * weekday is a working day and its local time lies in [start, end). Intl does the zone arithmetic (DST included).
 */
export interface Shift {
  start: string;
  end: string;
  timeZone: string;
  workingDays: number[];
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The ISO weekday (1 = Monday) and minutes since local midnight of `at` in `timeZone`. */
export function localClock(at: Date, timeZone: string): { weekday: number; minutes: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  return { weekday: WEEKDAYS[parts.weekday!]!, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function isWithinShift(shift: Shift, at: Date): boolean {
  const { weekday, minutes } = localClock(at, shift.timeZone);
  return shift.workingDays.includes(weekday) && minutes >= minutesOf(shift.start) && minutes < minutesOf(shift.end);
}

/** The instant at local wall-clock `hhmm` on `date` (YYYY-MM-DD) in `timeZone` (the later one across a DST fold). */
export function zonedInstant(date: string, hhmm: string, timeZone: string): Date {
  const wanted = Date.parse(`${date}T${hhmm}:00Z`);
  let guess = wanted;
  // Two corrections settle every zone: the first finds the offset, the second the offset at the corrected instant.
  for (let i = 0; i < 2; i++) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(new Date(guess))
        .map((p) => [p.type, p.value]),
    );
    const shown = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00Z`);
    guess += wanted - shown;
  }
  return new Date(guess);
}

/** The local calendar date (YYYY-MM-DD) of `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
