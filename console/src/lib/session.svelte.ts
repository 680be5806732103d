// Who is signed in. The session itself is an HTTP-only cookie set by the API;
// this module only knows the current user and drives the live connection.
import * as authApi from './api/auth';
import { userMessage } from './api/errors';
import { isApiError, setUnauthorizedHandler } from './api/http';
import type { Role, User } from './api/types';
import { connectLive, disconnectLive } from './socket';

export type SessionStatus = 'checking' | 'signed-in' | 'signed-out' | 'error';

class Session {
  status = $state<SessionStatus>('checking');
  user = $state.raw<User | null>(null);
  /** Shown on the sign-in form, e.g. after the session expired. */
  notice = $state<string | null>(null);
  /** Why the session could not be checked (status 'error'). */
  error = $state<string | null>(null);
  signingOut = $state(false);
  /** Why signing out failed, shown in the shell. */
  signOutError = $state<string | null>(null);

  /** Asks the server who we are (GET /api/auth/me). */
  async init(): Promise<void> {
    this.status = 'checking';
    this.error = null;
    try {
      const user = await authApi.me();
      if (user) this.#signedIn(user);
      else this.#signedOut(null);
    } catch (err) {
      this.status = 'error';
      this.error = userMessage(err, { action: 'check whether you are signed in' });
    }
  }

  /** Signs in; rejects with the ApiError so the form can show field errors. */
  async login(email: string, password: string): Promise<User> {
    const user = await authApi.login({ email, password });
    this.#signedIn(user);
    return user;
  }

  async logout(): Promise<void> {
    if (this.signingOut) return;
    this.signingOut = true;
    this.signOutError = null;
    try {
      await authApi.logout();
    } catch (err) {
      // 401: already signed out on the server — fine.
      if (!(isApiError(err) && err.status === 401)) {
        this.signOutError = userMessage(err, { action: 'sign out' });
        return;
      }
    } finally {
      this.signingOut = false;
    }
    this.#signedOut(null);
  }

  /** The server said 401 to a data call: the session is gone. */
  expire(message = 'Your session has expired. Please sign in again.'): void {
    if (this.status !== 'signed-in') return;
    this.#signedOut(message);
  }

  /** Re-checks the session (used by the live connection when it is refused). */
  async revalidate(): Promise<boolean> {
    const user = await authApi.me();
    if (!user) {
      this.expire();
      return false;
    }
    if (this.status === 'signed-in') this.user = user;
    return true;
  }

  hasRole(role: Role): boolean {
    return this.user?.roles.includes(role) ?? false;
  }

  #signedIn(user: User): void {
    this.user = user;
    this.status = 'signed-in';
    this.notice = null;
    this.error = null;
    this.signOutError = null;
    connectLive({ checkSession: () => this.revalidate() });
  }

  #signedOut(notice: string | null): void {
    disconnectLive();
    this.user = null;
    this.status = 'signed-out';
    this.notice = notice;
    this.signOutError = null;
  }
}

export const session = new Session();

setUnauthorizedHandler(() => session.expire());
