// Who may see a page: the group in the token decides what the portal shows;
// the API decides what anyone may do. A direct link to a page of another group
// says why it is closed instead of failing on the API's 403.
import { useEffect } from "preact/hooks";
import { useApp } from "../app-context";
import { Loading } from "../ui/states";
import { usePageTitle } from "../ui/hooks";
import { NotLinked } from "./account/not-linked";
import { SECURITY_PATH } from "./account/security";
import { groupNames, type Page } from ".";

export function Guard({ page, props }: { page: Page; props: object }) {
  const { session, auth } = useApp();
  const Component = page.component;
  if (page.public) return <Component {...props} />;
  if (!session) return <SigningIn start={() => void auth.signIn()} />;
  if (page.group && session.mfaRequiredFor.includes(page.group)) return <NeedsAuthenticator group={page.group} />;
  if (page.group === "member" && session.groups.length === 0 && session.mfaRequiredFor.length === 0) return <NotLinked />;
  if (page.group && !session.groups.includes(page.group)) return <NotAllowed group={page.group} />;
  return <Component {...props} />;
}

function SigningIn({ start }: { start: () => void }) {
  usePageTitle("Sign in");
  useEffect(start, []);
  return <Loading what="Taking you to sign-in" />;
}

/** A page of a group the user pool withheld from this sign-in: the account has no authenticator app yet. */
function NeedsAuthenticator({ group }: { group: keyof typeof groupNames }) {
  usePageTitle("Set up your authenticator app first");
  return (
    <section>
      <h1>Set up your authenticator app first</h1>
      <p class="lead">
        This page is for {groupNames[group]}. Your account is one, but that access needs an authenticator app on your
        account, so that every sign-in asks for its code. Your account has none yet, so this sign-in came without it.
      </p>
      <ol>
        <li>Set up an authenticator app on your phone (it takes a minute).</li>
        <li>Sign out and sign in again, with the code the app shows.</li>
      </ol>
      <p>
        <a href={SECURITY_PATH} role="button">
          Set up an authenticator app
        </a>
      </p>
    </section>
  );
}

export function NotAllowed({ group }: { group: keyof typeof groupNames }) {
  usePageTitle("Not available to you");
  const { session } = useApp();
  return (
    <section>
      <h1>This page is not available to you</h1>
      <p>
        It is for {groupNames[group]}, and your account
        {session && session.groups.length > 0
          ? ` is signed in as ${session.groups.map((g) => groupNames[g]).join(" and ")}`
          : " has no role yet"}
        . If you need it, ask the institute to add the role to your account.
      </p>
      <p>
        <a href="/">Go to your start page</a>
      </p>
    </section>
  );
}
