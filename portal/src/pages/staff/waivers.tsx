// Waivers: grant one to a member (military deployment for a year, emeritus
// from a year on), and decide the members' own requests with their documents.
// A waiver is revoked from the member's record.
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { when, seasonYear } from "../../ui/format";
import { ErrorSummary, fieldId, Saved, SubmitButton, TextArea, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { MemberSearch } from "../../ui/member-search";
import { useMemberName } from "../../ui/member-name";
import { Empty, Failed, Show } from "../../ui/states";
import { waiverChoices, waiverTypes, word } from "../../ui/words";

type WaiverType = Schemas["WaiverIn"]["type"];
const LABELS = { member_id: "Member", type: "Kind of waiver", renewal_year: "Renewal year", note: "Note" };

export function StaffWaivers() {
  usePageTitle("Waivers");
  const { api } = useApp();
  const requests = useLoad(() => must(api.GET("/admin/waiver-requests", { params: { query: { status: "pending" } } })));
  // Said once a request is decided, since the request then leaves the list.
  const [decided, setDecided] = useState<string>();
  return (
    <>
      <h1>Waivers</h1>
      {/* The requests first: they are the work waiting. */}
      <section class="card" aria-labelledby="requests-title">
        <h2 id="requests-title">Members' requests</h2>
        {decided && <Saved>{decided}</Saved>}
        <Show load={requests} what="Loading requests">
          {(page) => page.items.length === 0 ? <Empty>No requests are waiting.</Empty> : (
            <ul class="form-list">
              {page.items.map((r) => (
                <RequestDecision key={r.request_id} request={r}
                  onDecided={(sentence) => {
                    setDecided(sentence);
                    requests.reload();
                  }} />
              ))}
            </ul>
          )}
        </Show>
      </section>
      <GrantWaiver />
    </>
  );
}

function GrantWaiver() {
  const { api, today } = useApp();
  const { query } = useLocation();
  const year = useLoad(async () => seasonYear(await today())).data;
  const [memberId, setMemberId] = useState(query.member ?? "");
  const [type, setType] = useState<WaiverType>("military_deployment");
  const [renewalYear, setRenewalYear] = useState<string>();
  const [note, setNote] = useState("");
  const [granted, setGranted] = useState<string>();
  const submit = useSubmit();
  const yearValue = renewalYear ?? (year ? String(year) : "");
  const onSubmit = (event: Event) => {
    event.preventDefault();
    setGranted(undefined);
    void submit.run(async () => {
      await must(api.POST("/admin/members/{member_id}/waivers", {
        params: { path: { member_id: memberId.trim() } },
        body: { type, renewal_year: Number(yearValue), note: note.trim() || null },
      }));
      setGranted(`${word(waiverTypes, type)} waiver granted to ${memberId.trim()} for ${yearValue}.`);
      setNote("");
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate class="card" aria-labelledby="grant-title">
      <h2 id="grant-title">Grant a waiver</h2>
      <ErrorSummary error={submit.error} labels={LABELS} />
      {granted && <Saved>{granted}</Saved>}
      <MemberSearch scope="staff" label="Find the member"
        action={(row) => (
          <button type="button" class="outline small" onClick={() => setMemberId(row.member_id)}>
            Choose {row.name}
          </button>
        )} />
      <TextField name="member_id" label="Member id" value={memberId} onValue={setMemberId} error={submit.fields.member_id} class="short" />
      <fieldset>
        <legend>{LABELS.type}</legend>
        {(Object.keys(waiverChoices) as WaiverType[]).map((code) => (
          <label key={code}>
            <input type="radio" name="grant-type" value={code} checked={type === code} onChange={() => setType(code)} />
            {waiverChoices[code]}
          </label>
        ))}
      </fieldset>
      <TextField name="renewal_year" label={LABELS.renewal_year} type="number" class="short" value={yearValue}
        onValue={setRenewalYear} error={submit.fields.renewal_year} hint="Emeritus: the first year it applies to." />
      <TextArea name="note" label={LABELS.note} rows={2} value={note} onValue={setNote} error={submit.fields.note}
        hint="Why, for the record (the member's history shows it)." />
      <SubmitButton busy={submit.busy} busyText="Granting…">Grant waiver</SubmitButton>
    </form>
  );
}

function RequestDecision({ request: r, onDecided }: { request: Schemas["WaiverRequest"]; onDecided: (sentence: string) => void }) {
  const { api } = useApp();
  const [note, setNote] = useState("");
  const submit = useSubmit();
  const name = useMemberName(r.member_id);
  const what = `${word(waiverTypes, r.type).toLowerCase()} waiver for ${r.renewal_year}`;
  const send = (decision: "approve" | "reject") =>
    void submit.run(async () => {
      await must(api.POST("/admin/waiver-requests/{request_id}/decision", {
        params: { path: { request_id: r.request_id } }, body: { decision, note: note.trim() || null },
      }));
      onDecided(decision === "approve"
        ? `Approved: ${name} (${r.member_id}) has the ${what}. The member is told by e-mail.`
        : `Rejected: the ${what} that ${name} (${r.member_id}) asked for. The member is told by e-mail, with your note.`);
    });
  const titleId = `request-${r.request_id}`;
  const noteError = submit.fields.note;
  useEffect(() => {
    // A rejection without a note: the keyboard lands where the note goes.
    if (noteError) document.getElementById(fieldId(`note-${r.request_id}`))?.focus();
  }, [noteError, r.request_id]);
  return (
    <li class="form-item">
      <article aria-labelledby={titleId}>
        <h3 id={titleId} class="item-title">
          {name} ({r.member_id}): {word(waiverTypes, r.type)}, {r.renewal_year}
        </h3>
        <small class="hint">
          Asked {when(r.created_at)} · <a href={`/staff/members/${encodeURIComponent(r.member_id)}`}>
            Open the record<span class="visually-hidden"> of {name}</span>
          </a>
        </small>
        <blockquote class="reason">{r.reason}</blockquote>
        {r.document_url ? (
          <p>
            <a href={r.document_url} target="_blank" rel="noopener noreferrer">
              Open the document<span class="visually-hidden"> of {name}'s request</span> (opens in a new tab)
            </a>
          </p>
        ) : (
          <p class="hint">No document was attached.</p>
        )}
        {submit.error && !submit.fields.note && <Failed error={submit.error} />}
        <TextArea name={`note-${r.request_id}`} label="Note to the member" rows={2} value={note} onValue={setNote}
          hint="Needed to reject: say what would change the answer. The member receives it by e-mail." error={submit.fields.note} />
        <div class="actions">
          <button type="button" onClick={() => send("approve")} disabled={submit.busy}>
            Approve<span class="visually-hidden"> {name}'s request</span>
          </button>
          <button type="button" class="secondary" onClick={() => send("reject")} disabled={submit.busy}>
            Reject<span class="visually-hidden"> {name}'s request</span>
          </button>
        </div>
      </article>
    </li>
  );
}
