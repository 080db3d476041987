// The frame of every page: a skip link, the site header with the pages the
// user's groups may open, the main region (focused after each navigation, so a
// screen reader starts at the new page) and the footer.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../app-context";
import type { Session } from "../auth";
import { groupNames, navigation } from "../pages";
import { SECURITY_PATH } from "../pages/account/security";
import { SITE } from "./hooks";

/**
 * Who is signed in, in words the person recognises: the e-mail, else the name,
 * else what they sign in as ("Institute staff", "Affiliate office AASC",
 * "Member M-1001"). Never the token's `sub`: Cognito's is an opaque UUID.
 */
export function signedInAs(session: Session): string {
  if (session.email) return session.email;
  if (session.name) return session.name;
  if (session.groups.includes("naaei")) return "Institute staff";
  if (session.groups.includes("affiliate")) return session.affiliate ? `Affiliate office ${session.affiliate}` : "Affiliate office";
  if (session.memberId) return `Member ${session.memberId}`;
  return "Signed in";
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { session, auth } = useApp();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);

  const groups = session?.groups ?? [];
  const sections = navigation.filter((section) => section.group && groups.includes(section.group));
  const current = (href: string) => (href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`));

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="site-header">
        <div class="container header-row">
          <a href="/" class="brand">
            {SITE}
          </a>
          <div class="account">
            {session ? (
              <>
                <span class="who">{signedInAs(session)}</span>
                <a href={SECURITY_PATH} class="small" aria-current={path === SECURITY_PATH ? "page" : undefined}>
                  Sign-in security
                </a>
                <button type="button" class="outline secondary small" onClick={() => void auth.signOut()}>
                  Sign out
                </button>
              </>
            ) : (
              <button type="button" class="small" onClick={() => void auth.signIn("/")}>
                Sign in
              </button>
            )}
          </div>
        </div>
        {sections.length > 0 && (
          <div class="container">
          <nav class="site-nav" aria-label="Main">
            {sections.map((section) => (
              <ul key={section.title} aria-label={sections.length > 1 ? section.title : undefined}>
                {section.links.map((link) => (
                  <li key={link.href}>
                    <a href={link.href} aria-current={current(link.href) ? "page" : undefined}>
                      {link.label}
                    </a>
                  </li>
                ))}
              </ul>
            ))}
          </nav>
          </div>
        )}
      </header>
      {session && session.mfaRequiredFor.length > 0 && path !== SECURITY_PATH && (
        // The pre-token-generation trigger withheld a staff group from this sign-in: say why, and where to fix it.
        <div class="container">
          <p class="notice notice-warn mfa-banner">
            Your {session.mfaRequiredFor.map((g) => groupNames[g]).join(" and ")} access needs an authenticator app.{" "}
            <a href={SECURITY_PATH}>Set one up</a>
          </p>
        </div>
      )}
      <main id="main" class="container" tabIndex={-1} ref={main}>
        {children}
      </main>
      <footer class="container site-footer">
        {/* Said to credential holders (and visitors); staff and offices are the ones asked. */}
        {(!session || groups.includes("member") || groups.length === 0) && (
          <small>Questions about your renewal or credentials? Contact your affiliate office.</small>
        )}
      </footer>
    </>
  );
}
