// A tiny hash router: #/ (dashboard), #/workflows, #/outbox, #/profile.
// Hash routing keeps deep links working without any server configuration.

export type RouteName = 'dashboard' | 'workflows' | 'outbox' | 'profile' | 'not-found';

export interface NavItem {
  route: Exclude<RouteName, 'not-found'>;
  path: string;
  label: string;
}

/** The left navigation, in order. Labels are relied on by the browser tests. */
export const NAV: readonly NavItem[] = [
  { route: 'dashboard', path: '/', label: 'Dashboard' },
  { route: 'workflows', path: '/workflows', label: 'Workflows' },
  { route: 'outbox', path: '/outbox', label: 'Mail outbox' },
  { route: 'profile', path: '/profile', label: 'Your profile' },
];

const ROUTES: Record<string, Exclude<RouteName, 'not-found'>> = {
  '/': 'dashboard',
  '/dashboard': 'dashboard',
  '/workflows': 'workflows',
  '/outbox': 'outbox',
  '/mail': 'outbox',
  '/profile': 'profile',
};

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
  route: RouteName = $derived(ROUTES[this.path] ?? 'not-found');

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
