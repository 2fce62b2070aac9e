// The operator console: sign-in, then runs, a recovery, a migration, the start form.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { ErrorBox } from './components';
import { MigrationPage } from './pages/migration';
import { RecoveryPage } from './pages/recovery';
import { RunsPage } from './pages/runs';
import { StartPage } from './pages/start';
import { useRoute } from './router';
import type { Me } from './types';

function App() {
  const [me, setMe] = useState<Me | null>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api<Me>('GET', '/v1/session').then(setMe, (err: unknown) => (err instanceof ApiError && err.status === 401 ? setMe(null) : setError(err)));
  }, []);
  const signOut = (): void => void api('DELETE', '/v1/session').finally(() => setMe(null));

  return (
    <>
      <header>
        <a class="brand" href="#/runs">
          cloudphone-recovery
        </a>
        {me ? (
          <nav aria-label="Main">
            <a href="#/runs">Runs</a>
            {me.roles.includes('operator') ? <a href="#/start">Start</a> : null}
            <span class="who" data-testid="who">
              {me.name} ({me.roles.join(', ')})
            </span>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </nav>
        ) : null}
      </header>
      <main>
        <ErrorBox error={error} />
        {me === null ? <SignIn onSignedIn={setMe} /> : me ? <Page me={me} /> : <p aria-busy="true">Loading…</p>}
      </main>
    </>
  );
}

function Page({ me }: { me: Me }) {
  const route = useRoute();
  switch (route.page) {
    case 'recovery':
      return <RecoveryPage key={route.id} id={route.id} me={me} />;
    case 'migration':
      return <MigrationPage key={route.id} id={route.id} me={me} />;
    case 'start':
      return me.roles.includes('operator') ? <StartPage /> : <p>Starting a recovery needs the operator role.</p>;
    default:
      return <RunsPage query={route.query} />;
  }
}

function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (): Promise<void> => {
    setError(undefined);
    try {
      onSignedIn(await api<Me>('POST', '/v1/session', undefined, { authorization: `Bearer ${token.trim()}` }));
      setToken('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="signin-title" class="signin">
      <h1 id="signin-title">Sign in</h1>
      <form onSubmit={(e) => (e.preventDefault(), void submit())}>
        <label>
          API token
          <input type="password" name="token" autoComplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
      <p class="small">The token is exchanged for a session cookie (HttpOnly, this site only) and is not kept by the page.</p>
      <ErrorBox error={error} />
    </section>
  );
}

render(<App />, document.getElementById('app')!);
