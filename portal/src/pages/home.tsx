// The start page: a welcome for visitors, the dashboard for credential
// holders, and the list of their pages for affiliate and institute staff.
import { useApp } from "../app-context";
import { usePageTitle } from "../ui/hooks";
import { NotLinked } from "./account/not-linked";
import { Dashboard } from "./member/dashboard";
import { navigation } from ".";

export function Home() {
  const { session } = useApp();
  if (!session) return <Welcome />;
  if (session.groups.includes("member")) return <Dashboard />;
  // Signed up, but no member record matched the e-mail (or staff have not linked it yet).
  // (Unless the user pool withheld their staff group: their start page says how to get it.)
  if (session.groups.length === 0 && session.mfaRequiredFor.length === 0) return <NotLinked />;
  return <StaffStart />;
}

function Welcome() {
  usePageTitle("Renew your credential");
  const { auth } = useApp();
  return (
    <section class="welcome">
      <h1>Renew your credential</h1>
      <p class="lead">Keeping up with your credentials takes four steps, all of them here:</p>
      <ol class="steps">
        <li>Update your contact information</li>
        <li>Pay your renewal invoice online with a credit or debit card</li>
        <li>Check your CEC status</li>
        <li>Submit your outstanding CECs</li>
      </ol>
      <p>
        <button type="button" onClick={() => void auth.signIn("/")}>
          Sign in to start
        </button>
      </p>
      <h2>First time here?</h2>
      <p>
        Create your account with the e-mail address the institute has on file for you: it is linked to your member record
        as soon as you confirm it, and your renewal is waiting for you.
      </p>
      <p>
        <button type="button" class="secondary" onClick={() => void auth.signUp("/")}>
          Create your account
        </button>
      </p>
      <p>
        Checking someone's certificate? Open the address printed on it: it shows whether the credential is in good standing.
      </p>
    </section>
  );
}

function StaffStart() {
  usePageTitle("Start");
  const { session } = useApp();
  const sections = navigation.filter((s) => session?.groups.includes(s.group));
  return (
    <section>
      <h1>Start</h1>
      {sections.length === 0 && session?.mfaRequiredFor.length ? (
        <p>
          Your pages open once your account has an authenticator app: <a href="/account/security">set one up</a>, then
          sign out and sign in again.
        </p>
      ) : sections.length === 0 ? (
        <p>
          Your account has no role yet, so there is nothing to show. Ask the institute to link your account to your member
          record or to give it a role.
        </p>
      ) : (
        sections.map((section) => (
          <nav key={section.title} aria-label={section.title}>
            <h2>{section.title}</h2>
            <ul>
              {section.links.map((link) => (
                <li key={link.href}>
                  <a href={link.href}>{link.label}</a>
                </li>
              ))}
            </ul>
          </nav>
        ))
      )}
    </section>
  );
}
