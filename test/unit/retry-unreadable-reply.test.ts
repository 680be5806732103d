/** A read whose reply the driver could not read is asked again; any other failure, and a third bad reply, is not. */
import { describe, expect, it } from 'vitest';
import { MongoUnexpectedServerResponseError } from 'mongodb';
import { retryUnreadableReply } from '../../lib/mongo.ts';

const unreadable = () => new MongoUnexpectedServerResponseError('BSON element "cursor" is missing');

describe('retryUnreadableReply', () => {
  it('asks again after an unreadable reply', async () => {
    let calls = 0;
    expect(await retryUnreadableReply(async () => (++calls === 1 ? Promise.reject(unreadable()) : 'key'))).toBe('key');
    expect(calls).toBe(2);
  });

  it('gives up after three unreadable replies', async () => {
    let calls = 0;
    await expect(retryUnreadableReply(async () => Promise.reject(Object.assign(unreadable(), { n: ++calls })))).rejects.toThrow('cursor');
    expect(calls).toBe(3);
  });

  it('does not repeat any other failure', async () => {
    let calls = 0;
    await expect(retryUnreadableReply(async () => Promise.reject(new Error(`refused ${++calls}`)))).rejects.toThrow('refused 1');
    expect(calls).toBe(1);
  });
});
