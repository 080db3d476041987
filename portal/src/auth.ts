// Sign-in: OpenID Connect authorization code with PKCE through oidc-client-ts,
// against the Cognito user pool's managed login (or the local stack's
// emulation of it). Tokens live in session storage: gone when the tab closes.
//
// The API is called with the ID token: it is the one that carries
// `cognito:groups`, `custom:member_id` and `custom:affiliate` (a Cognito access
// token has no custom attributes), and its `aud` is the app client id that the
// API's JWT authorizer expects. The access token (scope
// `aws.cognito.signin.user.admin`) is for Cognito's own user API only: the
// person's sign-in security (their authenticator app).
import { OidcClient, User, UserManager, WebStorageStateStore, type UserManagerSettings } from "oidc-client-ts";
import type { PortalConfig } from "./config";

export type Group = "member" | "affiliate" | "naaei";

export interface Session {
  idToken: string;
  /** For Cognito's user API (GetUser, AssociateSoftwareToken...), never for the renewal API. */
  accessToken: string;
  sub: string;
  groups: Group[];
  memberId?: string;
  affiliate?: string;
  /** The account's e-mail (Cognito's ID token has it with the `email` scope). */
  email?: string;
  /** The person's name, where the user pool has one (`name`, else `given_name` and `family_name`). */
  name?: string;
  /** Groups the user pool withheld from this sign-in until the account has an authenticator app. */
  mfaRequiredFor: Group[];
  expiresAt?: number;
}

export interface Auth {
  current(): Session | null;
  signIn(returnTo?: string): Promise<void>;
  /** The user pool's sign-up page (managed login's /signup), back here signed in. */
  signUp(returnTo?: string): Promise<void>;
  completeSignIn(): Promise<string>;
  signOut(): Promise<void>;
  onChange(listener: (session: Session | null) => void): () => void;
}

function groupsOf(value: unknown): Group[] {
  // Cognito sends a JSON array; API Gateway's flattening ("[a b]") never reaches the browser.
  const list = Array.isArray(value) ? value : typeof value === "string" ? value.replace(/[[\]]/g, "").split(/[\s,]+/) : [];
  return list.filter((g): g is Group => g === "member" || g === "affiliate" || g === "naaei");
}

function nameOf(claims: Record<string, unknown>): string | undefined {
  const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");
  return text(claims.name) || [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(" ") || undefined;
}

function sessionOf(user: User | null): Session | null {
  if (!user || user.expired || !user.id_token) return null;
  const claims = user.profile as Record<string, unknown>;
  return {
    idToken: user.id_token,
    accessToken: user.access_token,
    sub: String(claims.sub),
    groups: groupsOf(claims["cognito:groups"]),
    memberId: (claims["custom:member_id"] as string | undefined) || undefined,
    affiliate: (claims["custom:affiliate"] as string | undefined) || undefined,
    email: (claims.email as string | undefined) || undefined,
    name: nameOf(claims),
    // The pre-token-generation trigger's claim: space-separated group names.
    mfaRequiredFor: groupsOf(claims.mfa_required_for),
    expiresAt: user.expires_at,
  };
}

export async function createAuth(config: PortalConfig): Promise<Auth> {
  const origin = window.location.origin;
  const settings: UserManagerSettings = {
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: `${origin}/auth/callback`,
    post_logout_redirect_uri: `${origin}/signed-out`,
    response_type: "code",
    scope: "openid email profile aws.cognito.signin.user.admin",
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Renews with the refresh token shortly before the ID token expires.
    automaticSilentRenew: true,
    loadUserInfo: false,
  };
  const manager = new UserManager(settings);
  let session = sessionOf(await manager.getUser());
  const listeners = new Set<(session: Session | null) => void>();
  const publish = (next: Session | null) => {
    session = next;
    listeners.forEach((listener) => listener(next));
  };
  manager.events.addUserLoaded((user) => publish(sessionOf(user)));
  // While signing out, the page stays as it is until the browser leaves for managed login's /logout:
  // publishing "no session" would make a signed-in page start a new sign-in, racing the sign-out.
  let signingOut = false;
  manager.events.addUserUnloaded(() => {
    if (!signingOut) publish(null);
  });
  manager.events.addAccessTokenExpired(() => {
    void manager.removeUser();
    window.location.assign("/signed-out?reason=expired");
  });
  manager.events.addSilentRenewError(() => {
    void manager.removeUser();
    window.location.assign("/signed-out?reason=expired");
  });

  return {
    current: () => session,
    async signIn(returnTo = window.location.pathname + window.location.search) {
      await manager.signinRedirect({ state: { returnTo } });
    },
    async signUp(returnTo = "/") {
      // The same request as a sign-in (state and PKCE kept where the callback looks for
      // them), sent to the sign-up page that managed login serves beside /oauth2/authorize.
      const request = await new OidcClient(settings).createSigninRequest({ state: { returnTo }, request_type: "si:r" });
      window.location.assign(request.url.replace("/oauth2/authorize", "/signup"));
    },
    async completeSignIn() {
      const user = await manager.signinCallback();
      publish(sessionOf(user ?? null));
      const state = (user?.state ?? {}) as { returnTo?: string };
      // Only a path of this portal: never send someone elsewhere after sign-in.
      return state.returnTo && state.returnTo.startsWith("/") && !state.returnTo.startsWith("//") ? state.returnTo : "/";
    },
    async signOut() {
      signingOut = true;
      await manager.removeUser();
      const url = new URL(config.logoutUrl);
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("logout_uri", `${origin}/signed-out`);
      window.location.assign(url.toString());
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
