// Certificates: a PDF for each credential in good standing, with the number
// anyone can check on the public verify page.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { ApiError, must, saveFile } from "../../api/client";
import { usePageTitle, useLoad } from "../../ui/hooks";
import { Badge, Show, TableScroll } from "../../ui/states";
import { credentialStatus, word } from "../../ui/words";

const GOOD_STANDING = ["active", "lifetime"];

export function Certificates() {
  usePageTitle("Certificates");
  const { api } = useApp();
  const member = useLoad(() => must(api.GET("/me")));
  const [busy, setBusy] = useState<string>();
  const [problems, setProblems] = useState<Record<string, string>>({});

  const download = async (code: string) => {
    setBusy(code);
    setProblems({ ...problems, [code]: "" });
    try {
      await saveFile(
        api.GET("/me/certificates/{code}", { params: { path: { code } }, parseAs: "blob" }) as never,
        `${code}-certificate.pdf`,
      );
    } catch (error) {
      setProblems({ ...problems, [code]: error instanceof ApiError ? error.message : "The download failed. Try again." });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <h1>Certificates</h1>
      <p class="lead">
        Download a certificate for any credential in good standing. Each carries a number that anyone can check at the address
        printed on it.
      </p>
      <Show load={member} what="Loading your credentials">
        {(m) => (
          <TableScroll label="Your credentials">
            <table>
              <caption class="visually-hidden">Your credentials</caption>
              <thead>
                <tr>
                  <th scope="col">Credential</th>
                  <th scope="col">Status</th>
                  <th scope="col">Certificate</th>
                </tr>
              </thead>
              <tbody>
                {m.credentials.map((c) => {
                  const good = GOOD_STANDING.includes(c.status);
                  return (
                    <tr key={c.code}>
                      <th scope="row">{c.code}</th>
                      <td>
                        <Badge tone={good ? "good" : c.status === "grace" ? "warn" : "bad"}>{word(credentialStatus, c.status)}</Badge>
                        {c.renewed_through ? <small class="hint"> renewed through {c.renewed_through}</small> : null}
                      </td>
                      <td>
                        {good ? (
                          <button type="button" class="outline small" onClick={() => void download(c.code)}
                            aria-busy={busy === c.code ? "true" : undefined} disabled={busy === c.code}
                            aria-describedby={problems[c.code] ? `cert-${c.code}-error` : undefined}>
                            Download {c.code} certificate (PDF)
                          </button>
                        ) : (
                          <small>Renew first: a certificate is issued for a credential in good standing.</small>
                        )}
                        {problems[c.code] && (
                          <p id={`cert-${c.code}-error`} class="field-message" role="alert">
                            {problems[c.code]}
                          </p>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Show>
    </>
  );
}
