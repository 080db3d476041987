// Who may see a page: the group in the token decides what the portal shows;
// the API decides what anyone may do. A direct link to a page of another group
// says why it is closed instead of failing on the API's 403.
import { useEffect } from "preact/hooks";
import { useApp } from "../app-context";
import { Loading } from "../ui/states";
import { usePageTitle } from "../ui/hooks";
import { NotLinked } from "./account/not-linked";
import { groupNames, type Page } from ".";

export function Guard({ page, props }: { page: Page; props: object }) {
  const { session, auth } = useApp();
  const Component = page.component;
  if (page.public) return <Component {...props} />;
  if (!session) return <SigningIn start={() => void auth.signIn()} />;
  if (page.group === "member" && session.groups.length === 0) return <NotLinked />;
  if (page.group && !session.groups.includes(page.group)) return <NotAllowed group={page.group} />;
  return <Component {...props} />;
}

function SigningIn({ start }: { start: () => void }) {
  usePageTitle("Sign in");
  useEffect(start, []);
  return <Loading what="Taking you to sign-in" />;
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
