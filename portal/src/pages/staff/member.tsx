// A member's record for institute staff: contact and credentials, each
// renewal year with its invoice status and CEC progress, waivers (revocable)
// and the audit history, with the actions staff take from here.
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { ApiError, must, type Api, type Schemas } from "../../api/client";
import { day, money, plural, usPhone, when } from "../../ui/format";
import { fieldId, Saved, TextArea } from "../../ui/forms";
import { usePageTitle, useLoad, usePaged, useSubmit } from "../../ui/hooks";
import { ActivityTable } from "../../ui/activities";
import { AuditChanges, auditActor } from "../../ui/audit";
import { CecBar, RenewalBadge } from "../../ui/renewal";
import { Empty, Failed, Show } from "../../ui/states";
import { auditAction, credentialStatus, waiverTypes, word } from "../../ui/words";
import { MemberAccount } from "./member-account";
import { MemberInvoices } from "./member-invoices";

async function renewalsOf(api: Api, memberId: string, today: string): Promise<Schemas["Renewal"][]> {
  const year = Number(today.slice(0, 4));
  const found = await Promise.all([year - 1, year, year + 1].map(async (y) => {
    try {
      return await must(api.GET("/admin/members/{member_id}/renewals/{renewal_year}", {
        params: { path: { member_id: memberId, renewal_year: y } },
      }));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 422)) return undefined;
      throw error;
    }
  }));
  return found.filter((r): r is Schemas["Renewal"] => !!r).reverse();
}

export function MemberRecord({ memberId }: { memberId: string }) {
  usePageTitle(`Member ${memberId}`);
  const { api, today } = useApp();
  const member = useLoad(() => must(api.GET("/admin/members/{member_id}", { params: { path: { member_id: memberId } } })), [memberId]);
  const renewals = useLoad(async () => renewalsOf(api, memberId, await today()), [memberId]);
  // Oldest first, a page at a time: a long-standing member's later entries are a "Show more" away.
  const history = usePaged((next_token) => must(api.GET("/admin/members/{member_id}/history", {
    params: { path: { member_id: memberId }, query: { next_token } },
  })), [memberId]);
  const [revoked, setRevoked] = useState<string>();
  const [round, setRound] = useState(0);
  // A revocation changes the year (owed again) and the history, not only the list of waivers.
  const onRevoked = (sentence: string) => {
    setRevoked(sentence);
    member.reload();
    renewals.reload();
    history.first.reload();
    setRound((n) => n + 1);
  };
  return (
    <>
      <p><a href="/staff/members">← Members</a></p>
      <Show load={member} what="Loading the member">
        {(m) => (
          <>
            <div class="card-header">
              <h1>{m.first_name} {m.last_name} <span class="mono hint">{m.member_id}</span></h1>
              <div class="actions">
                <a class="button" href={`/staff/members/${encodeURIComponent(m.member_id)}/edit`}>Edit</a>
                <a class="button outline-link" href={`/staff/waivers?member=${encodeURIComponent(m.member_id)}`}>Grant a waiver</a>
              </div>
            </div>
            <div class="grid-2">
              <section class="card" aria-labelledby="contact-title">
                <h2 id="contact-title">Contact</h2>
                <dl class="facts">
                  <dt>Affiliate</dt>
                  <dd>{m.affiliate ?? "none"}</dd>
                  <dt>E-mail</dt>
                  <dd>{m.contact?.email ?? ""}</dd>
                  <dt>Phone</dt>
                  <dd>{usPhone(m.contact?.phone)}</dd>
                  <dt>Address</dt>
                  <dd>
                    {m.contact?.address
                      ? [m.contact.address.line1, m.contact.address.line2, `${m.contact.address.city}, ${m.contact.address.state} ${m.contact.address.postal_code}`]
                          .filter(Boolean).join(", ")
                      : ""}
                  </dd>
                </dl>
              </section>
              <MemberAccount member={m} onChanged={member.reload} />
              <section class="card" aria-labelledby="credentials-title">
                <h2 id="credentials-title">Credentials</h2>
                <ul class="credentials">
                  {m.credentials.map((c) => (
                    <li key={c.code}>
                      <strong>{c.code}</strong> since {day(c.earned_on, "short")}: {word(credentialStatus, c.status)}
                      {c.renewed_through ? `, renewed through ${c.renewed_through}` : ""}
                    </li>
                  ))}
                </ul>
                <h3>Waivers</h3>
                {revoked && <Saved>{revoked}</Saved>}
                {(m.waivers ?? []).length === 0 ? <Empty>None.</Empty> : (
                  <ul class="form-list">
                    {(m.waivers ?? []).map((w) => <WaiverItem key={w.waiver_id} memberId={m.member_id} waiver={w} onRevoked={onRevoked} />)}
                  </ul>
                )}
              </section>
            </div>
          </>
        )}
      </Show>
      <section aria-labelledby="years-title">
        <h2 id="years-title">Renewals</h2>
        <Show load={renewals} what="Loading renewals">
          {(list) => list.length === 0 ? <Empty>No renewal year has a rule set yet.</Empty> : (
            <>{list.map((r) => <YearSummary key={r.renewal_year} memberId={memberId} renewal={r} />)}</>
          )}
        </Show>
      </section>
      <MemberInvoices memberId={memberId} round={round} />
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <Show load={history.first} what="Loading the history">
          {() => history.items.length === 0 ? <Empty>No staff action or contact change yet.</Empty> : (
            // A list, not a table: the changes are long, and a phone has no room for three columns.
            <ol class="history">
              {history.items.map((entry, index) => (
                <li key={`${entry.at}-${index}`}>
                  <strong>{auditAction(entry.action)}</strong>{" "}
                  <small class="hint">{when(entry.at)} by {auditActor(entry.actor)}</small>
                  <AuditChanges action={entry.action} changes={entry.changes} />
                </li>
              ))}
            </ol>
          )}
        </Show>
        {history.error && <Failed error={history.error} />}
        {history.hasMore && <button type="button" class="outline" onClick={history.showMore} disabled={history.busy}>Show later entries</button>}
      </section>
    </>
  );
}

function YearSummary({ memberId, renewal: r }: { memberId: string; renewal: Schemas["Renewal"] }) {
  return (
    <article class="card" aria-labelledby={`year-${r.renewal_year}`}>
      <div class="card-header">
        <h3 id={`year-${r.renewal_year}`}>{r.renewal_year}</h3>
        <RenewalBadge status={r.status} />
      </div>
      <div class="grid-2">
        <dl class="facts">
          <dt>Invoice</dt>
          <dd class="mono">{r.invoice_id ?? "not issued"}</dd>
          <dt>Paid</dt>
          <dd>{r.paid ? "Yes" : r.status === "waived" || r.status === "not_required" ? "Nothing owed" : "No"}</dd>
          <dt>Amount due</dt>
          <dd>{money(r.amount_due_cents)}</dd>
          <dt>Credentials</dt>
          <dd>{r.credentials.join(", ") || "none renewable"}</dd>
        </dl>
        <CecBar cec={r.cec} />
      </div>
      <YearActivities memberId={memberId} year={r.renewal_year} />
    </article>
  );
}

/** The year's CEC activity as the member's own transcript shows it: every activity in the earning window, with its status. */
function YearActivities({ memberId, year }: { memberId: string; year: number }) {
  const { api } = useApp();
  const transcript = useLoad(() => must(api.GET("/admin/members/{member_id}/cec-transcript", {
    params: { path: { member_id: memberId }, query: { renewal_year: year } },
  })), [memberId, year]);
  return (
    <Show load={transcript} what={`Loading ${year}'s CEC activity`}>
      {(t) => (
        <details>
          <summary>
            CEC activity for {year}: {plural(t.activities.length, "activity", "activities")}, earned {day(t.window.start, "short")} to {day(t.window.end, "short")}
          </summary>
          {t.activities.length === 0 ? <Empty>No activity reported for this year.</Empty>
            : <ActivityTable activities={t.activities} caption={`CEC activity of ${year}`} />}
        </details>
      )}
    </Show>
  );
}

function WaiverItem({ memberId, waiver, onRevoked }: {
  memberId: string;
  waiver: Schemas["MemberWaiver"];
  onRevoked: (sentence: string) => void;
}) {
  const { api } = useApp();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const submit = useSubmit();
  const what = `${word(waiverTypes, waiver.type).toLowerCase()} waiver for ${waiver.renewal_year}`;
  const noteId = fieldId(`revoke-${waiver.waiver_id}`);
  useEffect(() => {
    if (open) document.getElementById(noteId)?.focus();
  }, [open, noteId]);
  const revoke = () =>
    void submit.run(async () => {
      await must(api.DELETE("/admin/members/{member_id}/waivers/{waiver_id}", {
        params: { path: { member_id: memberId, waiver_id: waiver.waiver_id } }, body: { note: note.trim() || null },
      }));
      onRevoked(`The ${what} is revoked.`);
    });
  return (
    <li>
      <div class="card-header">
        <span>{word(waiverTypes, waiver.type)}, {waiver.renewal_year}</span>
        {!open && (
          <button type="button" class="outline secondary small" onClick={() => setOpen(true)}>
            Revoke…<span class="visually-hidden"> the {what}</span>
          </button>
        )}
      </div>
      {open && (
        <div>
          {submit.error && !submit.fields.note && <Failed error={submit.error} />}
          <TextArea name={`revoke-${waiver.waiver_id}`} label="Why it is revoked" rows={2} value={note} onValue={setNote}
            error={submit.fields.note} hint="Kept in the member's history." />
          <div class="actions">
            <button type="button" class="secondary small" onClick={revoke} disabled={submit.busy} aria-busy={submit.busy ? "true" : undefined}>
              Revoke the {what}
            </button>
            <button type="button" class="outline secondary small" onClick={() => setOpen(false)} disabled={submit.busy}>
              Keep it
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
