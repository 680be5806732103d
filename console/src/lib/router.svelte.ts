// A tiny hash router: #/ (dashboard), #/workflows, #/outbox, #/profile.
// Hash routing keeps deep links working without any server configuration.

import type { Role } from './api/types';

export type RouteName = 'dashboard' | 'workflows' | 'outbox' | 'profile' | 'exports' | 'accounts' | 'account' | 'certificates' | 'certificate' | 'audit' | 'reactivate' | 'leads' | 'lead' | 'sequences' | 'sequence' | 'workflow' | 'field' | 'admin' | 'not-found';

export interface NavItem {
  route: Exclude<RouteName, 'not-found'>;
  path: string;
  label: string;
  /** Shown only to users with one of these roles (all signed-in users when absent). */
  roles?: readonly Role[];
}

/** The left navigation, in order. Labels are relied on by the browser tests. */
export const NAV: readonly NavItem[] = [
  { route: 'dashboard', path: '/', label: 'Dashboard' },
  { route: 'workflows', path: '/workflows', label: 'Workflows' },
  { route: 'outbox', path: '/outbox', label: 'Mail outbox' },
  { route: 'exports', path: '/exports', label: 'Data exports' },
  { route: 'accounts', path: '/accounts', label: 'Accounts' },
  { route: 'leads', path: '/leads', label: 'Leads' },
  { route: 'sequences', path: '/sequences', label: 'Sequences' },
  { route: 'field', path: '/field', label: 'Field service', roles: ['ops', 'engineer', 'admin'] },
  { route: 'certificates', path: '/certificates', label: 'Certificates' },
  { route: 'audit', path: '/audit', label: 'Audit log', roles: ['engineer', 'admin'] },
  { route: 'admin', path: '/admin', label: 'Administration', roles: ['admin'] },
  { route: 'profile', path: '/profile', label: 'Your profile' },
];

const ROUTES: Record<string, Exclude<RouteName, 'not-found'>> = {
  '/': 'dashboard',
  '/dashboard': 'dashboard',
  '/workflows': 'workflows',
  '/outbox': 'outbox',
  '/mail': 'outbox',
  '/profile': 'profile',
  '/accounts': 'accounts',
  '/certificates': 'certificates',
  '/audit': 'audit',
  '/exports': 'exports',
  '/leads': 'leads',
  '/field': 'field',
  '/sequences': 'sequences',
  '/admin': 'admin',
};

/** Routes with one parameter (an ID or a token), and the navigation entry each belongs to. */
const PATTERNS: readonly { pattern: RegExp; route: RouteName; section: RouteName }[] = [
  { pattern: /^\/accounts\/([^/]+)$/, route: 'account', section: 'accounts' },
  { pattern: /^\/workflows\/([^/]+)$/, route: 'workflow', section: 'workflows' },
  { pattern: /^\/certificates\/([^/]+)$/, route: 'certificate', section: 'certificates' },
  { pattern: /^\/reactivate\/([^/]+)$/, route: 'reactivate', section: 'reactivate' },
  { pattern: /^\/leads\/([^/]+)$/, route: 'lead', section: 'leads' },
  { pattern: /^\/sequences\/([^/]+)$/, route: 'sequence', section: 'sequences' },
];

/**
 * The roles that may open a page (its navigation entry's), or undefined when every signed-in user may. The API
 * enforces the same; the shell uses this to say "not allowed" instead of letting the page fail on a 403.
 */
export function rolesFor(section: RouteName): readonly Role[] | undefined {
  return NAV.find((item) => item.route === section)?.roles;
}

/** Pages anyone may open without signing in (the owner's reactivation link from the cancellation mail). */
export const PUBLIC_ROUTES: ReadonlySet<RouteName> = new Set<RouteName>(['reactivate']);

function matchPattern(path: string): { route: RouteName; section: RouteName; param: string } | null {
  for (const p of PATTERNS) {
    const m = p.pattern.exec(path);
    if (!m) continue;
    try {
      return { route: p.route, section: p.section, param: decodeURIComponent(m[1]!) };
    } catch {
      return null;
    }
  }
  return null;
}

function readLocation(): { path: string; query: URLSearchParams } {
  const hash = window.location.hash.replace(/^#!?/, '');
  const [rawPath = '', rawQuery = ''] = hash.split('?', 2);
  let path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  if (path.length > 1) path = path.replace(/\/+$/, '');
  return { path, query: new URLSearchParams(rawQuery) };
}

class Router {
  path = $state(readLocation().path);
  query = $state.raw(readLocation().query);
  route: RouteName = $derived(ROUTES[this.path] ?? matchPattern(this.path)?.route ?? 'not-found');
  /** The parameter of a parameterised route (#/accounts/<id> → the ID), else null. */
  param: string | null = $derived(matchPattern(this.path)?.param ?? null);
  /** The navigation entry the current page belongs to (an account's page → accounts). */
  section: RouteName = $derived(matchPattern(this.path)?.section ?? this.route);

  constructor() {
    window.addEventListener('hashchange', () => {
      const next = readLocation();
      this.path = next.path;
      this.query = next.query;
    });
  }

  /** The href for a route path, e.g. href('/workflows') === '#/workflows'. */
  href(path: string): string {
    return `#${path}`;
  }

  navigate(path: string): void {
    window.location.hash = path;
  }

  isActive(path: string): boolean {
    return (ROUTES[path] ?? path) === this.route;
  }
}

export const router = new Router();
