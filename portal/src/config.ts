// What the portal needs to know about where it runs: written at deploy (AWS)
// or served by the local stack, never built in, so the same files deploy anywhere.
export interface PortalConfig {
  /** The HTTP API's base URL. */
  apiUrl: string;
  /** The OpenID Connect issuer whose discovery document names the sign-in endpoints. */
  authority: string;
  /** The user pool's app client (the API's JWT audience). */
  clientId: string;
  /** Cognito's managed-login /logout (not in its discovery document). */
  logoutUrl: string;
  /** Cognito's user API (https://cognito-idp.<region>.amazonaws.com/): the person's own sign-in security. */
  userPoolApiUrl?: string;
  stage?: string;
}

export async function loadConfig(): Promise<PortalConfig> {
  const response = await fetch("/config.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = (await response.json()) as PortalConfig;
  for (const key of ["apiUrl", "authority", "clientId", "logoutUrl"] as const) {
    if (!config[key]) throw new Error(`config.json has no ${key}`);
  }
  return { ...config, apiUrl: config.apiUrl.replace(/\/+$/, "") };
}
