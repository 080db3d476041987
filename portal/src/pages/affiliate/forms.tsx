// CEC Reporting Forms awaiting the office's signature: each with its
// activities and scanned document; verify it, or reject it with a note that
// tells the member why.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { cecs, when } from "../../ui/format";
import { TextArea } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { Empty, Failed, Show } from "../../ui/states";
import { ActivityTable } from "../../ui/activities";

export function FormsToSign() {
  usePageTitle("Forms to sign");
  const { api } = useApp();
  const forms = useLoad(() => must(api.GET("/affiliate/cec-forms", { params: { query: { status: "awaiting_affiliate", limit: 200 } } })));
  const [done, setDone] = useState<string[]>([]);
  return (
    <>
      <h1>Forms to sign</h1>
      <p class="lead">CEC Reporting Forms your members filed, oldest first. Check each against its document, then verify or reject it.</p>
      {done.length > 0 && <p role="status" class="notice notice-success">{done[done.length - 1]}</p>}
      <Show load={forms} what="Loading the forms">
        {(list) => {
          const waiting = list.items.filter((f) => !done.some((d) => d.includes(f.form_id)));
          return waiting.length === 0 ? (
            <Empty>No forms are waiting for your office.</Empty>
          ) : (
            <ul class="form-list">
              {waiting.map((form) => (
                <FormToSign key={form.form_id} form={form} onDecided={(message) => setDone([...done, message])} />
              ))}
            </ul>
          );
        }}
      </Show>
    </>
  );
}

function FormToSign({ form, onDecided }: { form: Schemas["Form"]; onDecided: (message: string) => void }) {
  const { api } = useApp();
  const [note, setNote] = useState("");
  const decide = useSubmit();
  const id = `form-${form.form_id}`;
  const send = (decision: "verify" | "reject") =>
    void decide.run(async () => {
      await must(api.POST("/affiliate/cec-forms/{form_id}/decision", {
        params: { path: { form_id: form.form_id } },
        body: { decision, note: note.trim() || null },
      }));
      onDecided(`${decision === "verify" ? "Verified" : "Rejected"}: the form of ${form.member_id} (${form.form_id}).`);
    });
  return (
    <li class="form-item card" aria-labelledby={id}>
      <h2 id={id} class="h3">
        {form.member_id}: {cecs(form.total_cec)} in {form.activities.length} {form.activities.length === 1 ? "activity" : "activities"}
      </h2>
      <small class="hint">Filed {when(form.created_at)}</small>
      <ActivityTable activities={form.activities} caption={`Activities on the form of ${form.member_id}`} />
      <p>
        {form.document_url ? (
          <a href={form.document_url} target="_blank" rel="noopener noreferrer">
            Open the scanned document<span class="visually-hidden"> of {form.member_id}</span> (opens in a new tab)
          </a>
        ) : (
          <span class="hint">No document attached.</span>
        )}
      </p>
      {decide.error && <Failed error={decide.error} />}
      <TextArea name={`note-${form.form_id}`} label="Note to the member" rows={2} value={note} onValue={setNote}
        hint="Needed to reject: say what is missing or wrong." error={decide.fields.note} />
      <div class="actions">
        <button type="button" onClick={() => send("verify")} disabled={decide.busy}>
          Verify and sign<span class="visually-hidden"> the form of {form.member_id}</span>
        </button>
        <button type="button" class="secondary" onClick={() => send("reject")} disabled={decide.busy || !note.trim()}>
          Reject<span class="visually-hidden"> the form of {form.member_id}</span>
        </button>
      </div>
    </li>
  );
}
