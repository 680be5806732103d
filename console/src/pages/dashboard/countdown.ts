// The time left until an instant, for the pending-deletions countdown ("12 d 04 h 09 min 31 s").

const pad = (n: number) => String(n).padStart(2, '0');

export function countdown(untilMs: number, nowMs: number): { text: string; due: boolean } {
  const left = Math.floor((untilMs - nowMs) / 1000);
  if (left <= 0) return { text: 'due now', due: true };
  const days = Math.floor(left / 86_400);
  const hours = Math.floor((left % 86_400) / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  const clock = `${pad(hours)} h ${pad(minutes)} min ${pad(seconds)} s`;
  return { text: days > 0 ? `${days} d ${clock}` : clock, due: false };
}
