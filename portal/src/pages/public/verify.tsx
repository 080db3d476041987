// The public check of a certificate number: the address printed on every
// certificate. It shows the holder's name, the credential and how far it is
// renewed, and nothing else.
import { useApp } from "../../app-context";
import { must } from "../../api/client";
import { usePageTitle, useLoad } from "../../ui/hooks";
import { Badge, Failed, Loading } from "../../ui/states";

export function Verify({ number }: { number: string }) {
  usePageTitle("Verify a certificate");
  const { api } = useApp();
  const check = useLoad(
    () => must(api.GET("/verify/{certificate_number}", { params: { path: { certificate_number: number } } })),
    [number],
  );
  return (
    <section class="narrow">
      <h1>Verify a certificate</h1>
      <p>
        Certificate number <strong class="mono">{number}</strong>
      </p>
      {check.loading && <Loading what="Checking" />}
      {check.error?.status === 404 && (
        <div class="notice notice-error" role="alert">
          <p>
            <strong>No certificate has this number.</strong> Check it against the certificate; the number has four groups of four
            letters and digits.
          </p>
        </div>
      )}
      {check.error && check.error.status !== 404 && <Failed error={check.error} retry={check.reload} />}
      {check.data && (
        <article class="verification" aria-labelledby="verdict">
          <h2 id="verdict">
            {check.data.valid ? <Badge tone="good">Valid</Badge> : <Badge tone="bad">Not in good standing</Badge>}
          </h2>
          <dl>
            <dt>Holder</dt>
            <dd>{check.data.name}</dd>
            <dt>Credential</dt>
            <dd>{check.data.credential}</dd>
            <dt>Renewed through</dt>
            <dd>{check.data.renewed_through ?? (check.data.credential === "CAMT" ? "Lifetime certificate" : "No renewal recorded yet")}</dd>
          </dl>
          {!check.data.valid && <p>This credential is not in good standing today.</p>}
        </article>
      )}
    </section>
  );
}
