/**
 * Accepted GPS positions on their way to the console: the route that records a batch publishes the points the
 * intake kept, the socket server forwards them to signed-in staff (api/socket.ts). In-process, because the API
 * process is the one that receives the positions; with several API processes each pushes what it received, so
 * a console sees the positions sent to its own process (a shared bus would be the next step).
 */
import { EventEmitter } from 'node:events';
import type { PositionUpdate } from '../../contracts/socket-events.ts';

export interface PositionFeed {
  publish(update: PositionUpdate): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (update: PositionUpdate) => void): () => void;
}

export function createPositionFeed(): PositionFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (update) => void emitter.emit('position', update),
    subscribe(listener) {
      emitter.on('position', listener);
      return () => void emitter.off('position', listener);
    },
  };
}
