/**
 * Send windows that close at 24:00: the midnight that ends the day, so a window open all day has no minute in
 * which it is shut (one closing at 23:59 has). Validation takes 24:00 as a closing time only.
 */
import { describe, expect, it } from 'vitest';
import { localToInstant, nextSendTime, WEEKDAYS, type SendWindow } from '../../workflows/send-window.ts';
import { validateSequenceDefinition } from '../../lib/sequences.ts';

const window = (start: string, end: string): SendWindow => ({ days: [...WEEKDAYS], start, end, holidays: [] });
const tokyo = (day: number, hh: number, mm: number, ss = 0) => localToInstant(2026, 11, day, hh * 60 + mm, 'Asia/Tokyo') + ss * 1000;

describe('a window closing at 24:00', () => {
  it('is open in the last minute of the day, where one closing at 23:59 is shut', () => {
    const lastMinute = tokyo(26, 23, 59, 30);
    expect(nextSendTime(lastMinute, 'Asia/Tokyo', window('00:00', '24:00'))).toBe(lastMinute);
    expect(nextSendTime(lastMinute, 'Asia/Tokyo', window('00:00', '23:59'))).toBe(tokyo(27, 0, 0));
  });

  it('an evening window: open until midnight, then shut until its opening time', () => {
    const evening = window('22:00', '24:00');
    expect(nextSendTime(tokyo(26, 23, 30), 'Asia/Tokyo', evening)).toBe(tokyo(26, 23, 30));
    expect(nextSendTime(tokyo(27, 0, 10), 'Asia/Tokyo', evening)).toBe(tokyo(27, 22, 0));
  });
});

describe('validation', () => {
  const definition = (start: string, end: string) => ({
    name: 'All day',
    sendWindow: { days: [...WEEKDAYS], start, end },
    steps: [{ id: 'intro', type: 'email', category: 'marketing', subject: 'Hi', body: 'Hello' }],
  });
  it('takes 24:00 as the closing time', () => {
    expect(validateSequenceDefinition(definition('00:00', '24:00')).ok).toBe(true);
  });
  it('refuses 24:00 as an opening time, and any later closing time', () => {
    const refused = (start: string, end: string) => {
      const result = validateSequenceDefinition(definition(start, end));
      return result.ok ? [] : result.errors.map((e) => e.path);
    };
    expect(refused('24:00', '24:00')).toContain('/sendWindow/start');
    expect(refused('00:00', '24:01')).toEqual(['/sendWindow/end']);
    expect(refused('00:00', '25:00')).toEqual(['/sendWindow/end']);
  });
});
