// What every page can reach: the configuration, the sign-in, the API client
// and the API's idea of today (the day renewals are reckoned by).
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api/client";
import type { Auth, Session } from "./auth";
import type { PortalConfig } from "./config";

export interface AppContext {
  config: PortalConfig;
  auth: Auth;
  session: Session | null;
  api: Api;
  /** The API's date (`/health`): the local stack can move it. */
  today: () => Promise<string>;
}

export const App = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const app = useContext(App);
  if (!app) throw new Error("useApp outside <App.Provider>");
  return app;
}

/** The signed-in session, for pages that the router only shows to a signed-in user. */
export function useSession() {
  const { session } = useApp();
  if (!session) throw new Error("useSession on a page for signed-in users");
  return session;
}
