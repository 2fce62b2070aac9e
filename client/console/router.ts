// Hash routes (#/runs, #/recoveries/<id>, #/migrations/<id>, #/start): the API serves one static page,
// so deep links work without server-side routing.
import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'runs'; query: URLSearchParams } | { page: 'recovery'; id: string } | { page: 'migration'; id: string } | { page: 'start' };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const recovery = /^\/recoveries\/(.+)$/.exec(path);
  if (recovery) return { page: 'recovery', id: decodeURIComponent(recovery[1]!) };
  const migration = /^\/migrations\/(.+)$/.exec(path);
  if (migration) return { page: 'migration', id: decodeURIComponent(migration[1]!) };
  if (path === '/start') return { page: 'start' };
  return { page: 'runs', query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parseRoute(hash);
}

export const recoveryHref = (id: string): string => `#/recoveries/${encodeURIComponent(id)}`;
export const migrationHref = (id: string): string => `#/migrations/${encodeURIComponent(id)}`;
