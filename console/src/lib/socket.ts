// Live updates over socket.io (same origin, default path /socket.io, authenticated by
// the session cookie). Pages subscribe with onWorkflowChanged(); the connection status
// is mirrored into reactive state by live.svelte.ts for the "live" indicator.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, WorkflowExecutionSummary } from './api/types';
import type { ExportSummary } from './api/exports';
import type { PositionUpdate } from '../../../contracts/socket-events.ts';

export type LiveStatus = 'offline' | 'connecting' | 'live' | 'reconnecting';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectOptions {
  /**
   * Asked when the server refuses or drops the connection (e.g. 'unauthorized').
   * Resolve true if the user is still signed in (we then retry), false if not
   * (the session layer signs out and calls disconnectLive()).
   */
  checkSession: () => Promise<boolean>;
}

let socket: LiveSocket | null = null;
let status: LiveStatus = 'offline';
let connectedOnce = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryAttempt = 0;
let checkSession: ConnectOptions['checkSession'] = async () => true;

const statusListeners = new Set<(status: LiveStatus) => void>();
const changeListeners = new Set<(execution: WorkflowExecutionSummary) => void>();
const resyncListeners = new Set<() => void>();
const exportListeners = new Set<(update: ExportSummary) => void>();
const positionListeners = new Set<(position: PositionUpdate) => void>();

function setStatus(next: LiveStatus): void {
  if (status === next) return;
  status = next;
  for (const listener of statusListeners) listener(next);
}

function isExecution(value: unknown): value is WorkflowExecutionSummary {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.workflowId === 'string' &&
    typeof v.runId === 'string' &&
    typeof v.status === 'string' &&
    typeof v.startTime === 'string'
  );
}

/** The server refused or dropped us: check the session, then retry with backoff. */
function scheduleSessionCheckAndRetry(s: LiveSocket): void {
  clearTimeout(retryTimer);
  const delay = Math.min(15_000, 1000 * 2 ** retryAttempt);
  retryAttempt += 1;
  retryTimer = setTimeout(async () => {
    if (socket !== s) return;
    let stillSignedIn = true;
    try {
      stillSignedIn = await checkSession();
    } catch {
      // Could not tell (server down?): keep trying.
    }
    if (socket !== s || !stillSignedIn) return;
    if (!s.connected) s.connect();
  }, delay);
}

/** Opens the live connection (idempotent). Call once the user is signed in. */
export function connectLive(options: ConnectOptions): void {
  checkSession = options.checkSession;
  if (socket) return;

  const s: LiveSocket = io({
    path: '/socket.io',
    withCredentials: true,
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
  });

  s.on('connect', () => {
    if (socket !== s) return;
    clearTimeout(retryTimer);
    retryAttempt = 0;
    setStatus('live');
    // Events may have been missed while we were away: let pages re-query.
    if (connectedOnce) for (const listener of resyncListeners) listener();
    connectedOnce = true;
  });

  s.on('disconnect', (reason) => {
    if (socket !== s) return;
    if (reason === 'io client disconnect') {
      setStatus('offline');
      return;
    }
    setStatus('reconnecting');
    // The server closed the socket on purpose (e.g. session revoked): socket.io
    // does not reconnect by itself in that case.
    if (reason === 'io server disconnect') scheduleSessionCheckAndRetry(s);
  });

  s.on('connect_error', () => {
    if (socket !== s) return;
    setStatus(connectedOnce ? 'reconnecting' : 'connecting');
    // s.active is false when a server middleware refused the connection
    // (e.g. Error('unauthorized')); otherwise socket.io retries on its own.
    if (!s.active) scheduleSessionCheckAndRetry(s);
  });

  s.on('workflow:changed', (payload: unknown) => {
    if (!isExecution(payload)) return;
    for (const listener of changeListeners) listener(payload);
  });

  s.on('export:progress', (payload: unknown) => {
    const p = payload as Partial<ExportSummary> | null;
    if (!p || typeof p.exportId !== 'string' || typeof p.status !== 'string' || !p.progress) return;
    for (const listener of exportListeners) listener(p as ExportSummary);
  });

  s.on('position:update', (payload: unknown) => {
    const p = payload as Partial<PositionUpdate> | null;
    if (!p || typeof p.technicianId !== 'string' || typeof p.lat !== 'number' || typeof p.lng !== 'number' || typeof p.at !== 'string') return;
    for (const listener of positionListeners) listener(p as PositionUpdate);
  });

  socket = s;
  connectedOnce = false;
  setStatus('connecting');
  s.connect();
}

/** Closes the live connection (sign-out). */
export function disconnectLive(): void {
  clearTimeout(retryTimer);
  retryAttempt = 0;
  const s = socket;
  socket = null;
  if (s) {
    s.removeAllListeners();
    s.disconnect();
  }
  setStatus('offline');
}

export function getLiveStatus(): LiveStatus {
  return status;
}

/** Subscribes to connection status changes; calls back immediately. Returns unsubscribe. */
export function onLiveStatus(listener: (status: LiveStatus) => void): () => void {
  statusListeners.add(listener);
  listener(status);
  return () => statusListeners.delete(listener);
}

/** Subscribes to 'workflow:changed'. Returns unsubscribe (usable as an $effect teardown). */
export function onWorkflowChanged(listener: (execution: WorkflowExecutionSummary) => void): () => void {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

/** Subscribes to 'export:progress' (data exports being built). Returns unsubscribe. */
export function onExportProgress(listener: (update: ExportSummary) => void): () => void {
  exportListeners.add(listener);
  return () => exportListeners.delete(listener);
}

/** Subscribes to 'position:update' (technicians' accepted GPS positions). Returns unsubscribe. */
export function onPositionUpdate(listener: (position: PositionUpdate) => void): () => void {
  positionListeners.add(listener);
  return () => positionListeners.delete(listener);
}

/** Called after a reconnect, when pushed events may have been missed. Returns unsubscribe. */
export function onLiveResync(listener: () => void): () => void {
  resyncListeners.add(listener);
  return () => resyncListeners.delete(listener);
}
