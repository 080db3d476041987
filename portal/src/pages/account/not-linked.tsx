// A signed-in account that is not linked to a member record yet: what the API
// says (GET /me answers 403 account_not_linked with a sentence) and what the
// person can do about it.
import { useApp } from "../../app-context";
import { ApiError, must } from "../../api/client";
import { usePageTitle, useLoad } from "../../ui/hooks";
import { Loading } from "../../ui/states";

export function NotLinked() {
  usePageTitle("Your account is not linked yet");
  const { api, auth } = useApp();
  // Linking happens on the server (at sign-up, or by staff); asking again shows the news.
  const me = useLoad(() => must(api.GET("/me")));
  const linkedSince = me.data !== undefined;
  const reason = me.error instanceof ApiError && me.error.code === "account_not_linked" ? me.error.message : undefined;
  if (me.loading && !me.error && !me.data) return <Loading what="Checking your account" />;
  return (
    <section class="not-linked">
      <h1>Your account is not linked to a member record yet</h1>
      {linkedSince ? (
        <div class="notice" role="status">
          <p>Your account is linked now. Sign out and sign in again to see your renewal.</p>
        </div>
      ) : (
        <p class="lead">{reason ?? "We could not find the member record that goes with this account."}</p>
      )}
      <h2>What you can do</h2>
      <ul>
        <li>
          If the institute writes to you at another e-mail address, sign out and create your account again with that
          address: it is linked to your record as soon as you confirm it.
        </li>
        <li>
          Otherwise, write to the institute with your member id (it is on your renewal notices and certificates) and the
          e-mail address of this account: staff will link your account to your record.
        </li>
      </ul>
      <p>
        <button type="button" class="secondary" onClick={() => void auth.signOut()}>
          Sign out
        </button>
      </p>
    </section>
  );
}
