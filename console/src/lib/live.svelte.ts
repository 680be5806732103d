// Reactive mirror of the socket connection status (for the live indicator).
import { onLiveStatus, type LiveStatus } from './socket';

class Live {
  status = $state<LiveStatus>('offline');
  label = $derived(
    this.status === 'live'
      ? 'live'
      : this.status === 'reconnecting'
        ? 'reconnecting'
        : this.status === 'connecting'
          ? 'connecting'
          : 'offline',
  );
}

export const live = new Live();

onLiveStatus((status) => {
  live.status = status;
});
