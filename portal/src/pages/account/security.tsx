// Sign-in security: the person's authenticator app. The user pool leaves MFA
// optional and managed login offers no way to set one up, so it is done here
// with Cognito's user API and the person's access token: AssociateSoftwareToken
// (a secret for the app: a QR code, the key in groups, an otpauth:// link),
// VerifySoftwareToken (the app's first code), SetUserMFAPreference (asked at
// every sign-in). Institute staff need one: without it their sign-in carries no
// staff group (the pool's pre-token-generation trigger withholds it).
import qrcode from "qrcode-generator";
import { useEffect, useState } from "preact/hooks";
import { useApp, useSession } from "../../app-context";
import { AUTHENTICATOR, UserPoolError, userPoolCall, type UserPoolOperations } from "../../api/user-pool";
import { groupNames } from "..";
import { Field } from "../../ui/forms";
import { SITE, usePageTitle } from "../../ui/hooks";
import { Badge, Loading } from "../../ui/states";

export const SECURITY_PATH = "/account/security";
const WRONG_CODE = "That code did not match. Check your phone's time and try the newest code.";

type Step =
  | { at: "status" }
  | { at: "scan"; secret: string }
  | { at: "done" };

/** A refusal of the user API in words for the person. */
function sentence(error: unknown): string {
  if (!(error instanceof UserPoolError)) return "Something went wrong. Try again.";
  switch (error.type) {
    case "EnableSoftwareTokenMFAException":
    case "CodeMismatchException":
      return WRONG_CODE;
    case "NotAuthorizedException":
      return "Your sign-in no longer allows this change. Sign out, sign in again, and start the set-up again.";
    case "UserNotFoundException":
      return "This sign-in has no account of its own in the sign-in service, so it has no security settings.";
    case "ExpiredCodeException":
      return "That code has been used already. Wait for the next code and enter it.";
    case "TooManyRequestsException":
    case "LimitExceededException":
      return "Too many tries. Wait a few minutes, then try again.";
    default:
      return error.message;
  }
}

/** The key as people copy it: groups of four. */
const grouped = (secret: string) => secret.replace(/\s+/g, "").match(/.{1,4}/g)?.join(" ") ?? secret;

export function SignInSecurity() {
  usePageTitle("Sign-in security");
  const { config } = useApp();
  const session = useSession();
  const [step, setStep] = useState<Step>({ at: "status" });
  const [enabled, setEnabled] = useState<boolean | undefined>(undefined);
  const [loadError, setLoadError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [code, setCode] = useState("");
  const [codeError, setCodeError] = useState<string>();

  const url = config.userPoolApiUrl;
  const call = <Op extends keyof UserPoolOperations>(op: Op, body: UserPoolOperations[Op][0]) =>
    userPoolCall(url!, session.accessToken, op, body);

  useEffect(() => {
    if (!url) return;
    call("GetUser", {}).then(
      (user) => setEnabled((user.UserMFASettingList ?? []).includes(AUTHENTICATOR)),
      (error) => setLoadError(sentence(error)),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url]);

  const start = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      const { SecretCode } = await call("AssociateSoftwareToken", {});
      setCode("");
      setCodeError(undefined);
      setStep({ at: "scan", secret: SecretCode });
    } catch (error) {
      setProblem(sentence(error));
    } finally {
      setBusy(false);
    }
  };

  const verify = async (event: Event) => {
    event.preventDefault();
    const digits = code.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(digits)) {
      setCodeError("Enter the 6 digits your app shows, like 123456.");
      return;
    }
    setBusy(true);
    setCodeError(undefined);
    setProblem(undefined);
    try {
      const verified = await call("VerifySoftwareToken", { UserCode: digits, FriendlyDeviceName: "Authenticator app" });
      if (verified.Status !== "SUCCESS") throw new UserPoolError("EnableSoftwareTokenMFAException", WRONG_CODE);
      await call("SetUserMFAPreference", { SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
      setEnabled(true);
      setStep({ at: "done" });
    } catch (error) {
      const said = sentence(error);
      if (said === WRONG_CODE) setCodeError(said);
      else setProblem(said);
    } finally {
      setBusy(false);
    }
  };

  const withheld = session.mfaRequiredFor.map((g) => groupNames[g]).join(" and ");
  return (
    <section class="security">
      <h1>Sign-in security</h1>
      <p class="lead">
        An authenticator app on your phone (Google Authenticator, Microsoft Authenticator, 1Password and the like) shows a
        6-digit code that changes every 30 seconds. Once it is set up, every sign-in asks for that code after your e-mail
        and password.
      </p>
      {withheld && step.at !== "done" && (
        <div class="notice notice-warn">
          <p>
            Your access as {withheld} needs an authenticator app. Until you set one up, you are signed in without it.
          </p>
        </div>
      )}
      {problem && (
        <div class="notice notice-error" role="alert">
          <p>{problem}</p>
        </div>
      )}

      {!url ? (
        <div class="notice notice-error" role="alert">
          <p>Sign-in security cannot be reached from this portal right now. Try again later.</p>
        </div>
      ) : step.at === "done" ? (
        <div class="notice notice-success" role="status">
          <h2>Your authenticator app is set up</h2>
          <p>
            Sign out and sign in again: the sign-in now asks for the code your app shows
            {withheld ? `, and your access as ${withheld} comes with it` : ""}.
          </p>
          <SignOutButton />
        </div>
      ) : step.at === "scan" ? (
        <Scan secret={step.secret} account={session.email ?? session.sub} code={code} setCode={setCode}
          codeError={codeError} busy={busy} onSubmit={verify} onCancel={() => setStep({ at: "status" })} />
      ) : loadError ? (
        <div class="notice notice-error" role="alert">
          <p>{loadError}</p>
        </div>
      ) : enabled === undefined ? (
        <Loading what="Reading your sign-in settings" />
      ) : (
        <article aria-labelledby="authenticator-title">
          <h2 id="authenticator-title">
            Authenticator app{" "}
            {enabled ? <Badge tone="good">Set up</Badge> : <Badge tone="warn">Not set up</Badge>}
          </h2>
          {enabled ? (
            <p>Every sign-in asks for the code your app shows. If you have a new phone, set up the app on it again.</p>
          ) : (
            <p>Your account has no authenticator app yet: a sign-in asks only for your e-mail and password.</p>
          )}
          <button type="button" class={enabled ? "secondary" : undefined} disabled={busy} aria-busy={busy}
            onClick={() => void start()}>
            {enabled ? "Set up a new phone" : "Set up an authenticator app"}
          </button>
        </article>
      )}
    </section>
  );
}

function SignOutButton() {
  const { auth } = useApp();
  return (
    <p>
      <button type="button" onClick={() => void auth.signOut()}>
        Sign out now
      </button>
    </p>
  );
}

function Scan({ secret, account, code, setCode, codeError, busy, onSubmit, onCancel }: {
  secret: string;
  account: string;
  code: string;
  setCode: (value: string) => void;
  codeError?: string;
  busy: boolean;
  onSubmit: (event: Event) => void;
  onCancel: () => void;
}) {
  // The URI authenticator apps read (Google's Key Uri Format): the portal's name and the account's.
  const label = encodeURIComponent(`${SITE}:${account}`);
  const uri = `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(SITE)}&algorithm=SHA1&digits=6&period=30`;
  // Type 0: the smallest that holds the URI; a 4-module quiet zone around it, as scanners need.
  const qr = qrcode(0, "M");
  qr.addData(uri);
  qr.make();
  return (
    <article aria-labelledby="scan-title">
      <h2 id="scan-title">Set up your authenticator app</h2>
      <ol class="setup-steps">
        <li>
          <p>In your authenticator app, add an account and scan this QR code.</p>
          <img class="qr" src={qr.createDataURL(4, 16)} alt="QR code for your authenticator app (the key below holds the same)" />
          <p>
            Cannot scan it? Choose to enter a key instead, and type this one (the spaces do not matter):
          </p>
          <p>
            <code class="secret-key">{grouped(secret)}</code>
          </p>
          <p>
            <a href={uri}>Open in an authenticator app on this device</a>
          </p>
        </li>
        <li>
          <form onSubmit={onSubmit} noValidate>
            <Field name="code" label="Enter the 6-digit code your app shows" error={codeError}
              hint="It changes every 30 seconds: use the one showing now.">
              {(aria) => (
                <input {...aria} name="code" value={code} inputMode="numeric" autoComplete="one-time-code"
                  maxLength={7} class="code-input" onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)} />
              )}
            </Field>
            <div class="actions">
              <button type="submit" disabled={busy} aria-busy={busy}>
                Turn on
              </button>
              <button type="button" class="secondary" disabled={busy} onClick={onCancel}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </article>
  );
}
