import { randomUUID } from 'node:crypto';

/** Prefixed opaque IDs: readable in logs and URLs, and never derived from personal data. */
export const newId = (prefix: 'acc' | 'usr' | 'tok' | 'sec' | 'led' | 'imp' | 'tec' | 'job' | 'pln' | 'wfv') => `${prefix}_${randomUUID().replaceAll('-', '')}`;
