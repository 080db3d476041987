import "./style.css";
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { LocationProvider, Route, Router } from "preact-iso";
import { createApi, must } from "./api/client";
import { App, type AppContext } from "./app-context";
import { createAuth, type Auth, type Session } from "./auth";
import { loadConfig, type PortalConfig } from "./config";
import { pages, type Page } from "./pages";
import { Guard } from "./pages/guard";
import { NotFound } from "./pages/not-found";
import { Layout } from "./ui/layout";

// One component per page, made once: a new one each render would remount the page.
const routes = pages.map((page: Page) => ({
  path: page.path,
  component: (props: object) => <Guard page={page} props={props} />,
}));

function Portal({ config, auth }: { config: PortalConfig; auth: Auth }) {
  const [session, setSession] = useState<Session | null>(auth.current());
  useEffect(() => auth.onChange(setSession), [auth]);
  const api = useMemo(
    () => createApi(config.apiUrl, () => auth.current()?.idToken ?? null,
      () => window.location.assign("/signed-out?reason=expired")),
    [config, auth],
  );
  const today = useMemo(() => {
    let day: Promise<string> | undefined;
    return () => (day ??= must(api.GET("/health")).then((health) => health.today));
  }, [api]);
  const context: AppContext = { config, auth, session, api, today };
  return (
    <App.Provider value={context}>
      <LocationProvider>
        <Layout>
          <Router>
            {[
              ...routes.map((route) => <Route key={route.path} path={route.path} component={route.component} />),
              <Route key="*" default component={NotFound} />,
            ]}
          </Router>
        </Layout>
      </LocationProvider>
    </App.Provider>
  );
}

function Broken({ message }: { message: string }) {
  return (
    <main class="container">
      <h1>The portal cannot start</h1>
      <p role="alert">{message}</p>
      <p>Reload the page in a moment. If it keeps happening, contact your affiliate office.</p>
    </main>
  );
}

async function start() {
  const root = document.getElementById("app")!;
  try {
    const config = await loadConfig();
    const auth = await createAuth(config);
    render(<Portal config={config} auth={auth} />, root);
  } catch (error) {
    render(<Broken message={error instanceof Error ? error.message : String(error)} />, root);
  }
}

void start();
