// Where the sign-in page sends the browser back with a code: oidc-client-ts
// exchanges it (with the PKCE verifier) for tokens, then the page the user
// wanted opens.
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { usePageTitle } from "../../ui/hooks";
import { Loading } from "../../ui/states";

export function Callback() {
  usePageTitle("Signing in");
  const { auth } = useApp();
  const { route, query } = useLocation();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    if (query.error) {
      setProblem(query.error_description || "Sign-in was not completed.");
      return;
    }
    auth.completeSignIn().then(
      (returnTo) => route(returnTo, true),
      () => setProblem("Sign-in could not be completed: the link may be old or already used."),
    );
  }, []);
  if (!problem) return <Loading what="Signing you in" />;
  return (
    <section>
      <h1>Sign-in did not finish</h1>
      <p role="alert">{problem}</p>
      <p>
        <button type="button" onClick={() => void auth.signIn("/")}>
          Sign in again
        </button>
      </p>
    </section>
  );
}
