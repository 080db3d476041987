import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { usePageTitle } from "../../ui/hooks";

export function SignedOut() {
  usePageTitle("Signed out");
  const { auth } = useApp();
  const { query } = useLocation();
  const expired = query.reason === "expired";
  return (
    <section class="narrow">
      <h1>{expired ? "Your session has ended" : "You are signed out"}</h1>
      <p>
        {expired
          ? "For your security you were signed out. Nothing you saved is lost; sign in again to carry on."
          : "Thank you. You can close this window, or sign in again."}
      </p>
      <p>
        <button type="button" onClick={() => void auth.signIn("/")}>
          Sign in again
        </button>
      </p>
    </section>
  );
}
