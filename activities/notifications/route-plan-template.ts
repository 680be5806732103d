/** The mail a technician gets when a day's route plan is published: the stops in order, in the shift's zone. */
export interface RoutePlanMailStop {
  start: Date;
  customer: string;
  place: string;
  serviceMinutes: number;
}

export function routePlanTemplate(p: { technicianName: string; date: string; version: number; timeZone: string; estimated: boolean; stops: RoutePlanMailStop[] }) {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: p.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const lines = p.stops.map((s, i) => `  ${i + 1}. ${time.format(s.start)}  ${s.customer} — ${s.place} (${s.serviceMinutes} min)`);
  return {
    subject: `Your route for ${p.date}${p.version > 1 ? ` (update ${p.version})` : ''}`,
    text:
      `Hello ${p.technicianName},\n\nyour route for ${p.date} (times in ${p.timeZone}):\n\n${lines.join('\n')}\n\n` +
      (p.estimated ? 'Travel times are estimates from straight-line distances, not from the road network.\n\n' : '') +
      (p.version > 1 ? 'This replaces the route you received before.\n\n' : '') +
      'The LORO team\n',
  };
}
