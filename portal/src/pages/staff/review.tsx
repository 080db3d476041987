// The review queue: submissions that passed the automatic checks, oldest
// first, each with its activities, the checks' notes and the documents.
// Approve (rejecting any ticked activities), or reject the whole submission.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { cecs, when } from "../../ui/format";
import { TextArea } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { Empty, Failed, Show } from "../../ui/states";
import { ActivityTable } from "../../ui/activities";
import { useMemberName } from "../../ui/member-name";

type Submission = Schemas["Submission"];

export function Review() {
  usePageTitle("Review queue");
  const { api } = useApp();
  const queue = useLoad(() => must(api.GET("/review/cec-submissions", { params: { query: { status: "in_review", limit: 50 } } })));
  const [decided, setDecided] = useState<Record<string, string>>({});
  return (
    <>
      <h1>Review queue</h1>
      <p class="lead">CEC submissions that passed the automatic checks, oldest first.</p>
      {Object.values(decided).length > 0 && (
        <p role="status" class="notice notice-success">{Object.values(decided)[Object.values(decided).length - 1]}</p>
      )}
      <Show load={queue} what="Loading the queue">
        {(page) => {
          const open = page.items.filter((s) => !decided[s.submission_id]);
          return open.length === 0 ? (
            <Empty>Nothing is waiting for review.</Empty>
          ) : (
            <>
              {open.map((s) => (
                <SubmissionReview key={s.submission_id} submission={s}
                  onDecided={(message) => setDecided({ ...decided, [s.submission_id]: message })} />
              ))}
            </>
          );
        }}
      </Show>
    </>
  );
}

function SubmissionReview({ submission: s, onDecided }: { submission: Submission; onDecided: (message: string) => void }) {
  const { api } = useApp();
  const [rejected, setRejected] = useState<string[]>([]);
  const [note, setNote] = useState("");
  const submit = useSubmit();
  const id = `submission-${s.submission_id}`;
  const name = useMemberName(s.member_id);
  const send = (decision: "approve" | "reject") =>
    void submit.run(async () => {
      const result = await must(api.POST("/review/cec-submissions/{submission_id}/decision", {
        params: { path: { submission_id: s.submission_id } },
        body: { decision, rejected_activity_ids: decision === "approve" ? rejected : [], note: note.trim() || null },
      }));
      onDecided(`${name}'s (${s.member_id}) ${s.renewal_year} submission: ${result.status.replace("_", " ")}.`);
    });
  return (
    <article class="card" aria-labelledby={id}>
      <div class="card-header">
        <h2 id={id} class="h3">
          {name === s.member_id ? s.member_id : `${name} (${s.member_id})`} · {s.renewal_year} · {cecs(s.total_cec)}
        </h2>
        <small class="hint">Submitted {when(s.submitted_at)}</small>
      </div>
      <ActivityTable activities={s.activities} caption={`Activities of ${s.member_id}'s submission`}
        picking={{ label: "Reject", picked: rejected,
          onPick: (activityId, on) => setRejected(on ? [...rejected, activityId] : rejected.filter((x) => x !== activityId)) }} />
      {s.document_urls && s.document_urls.length > 0 && (
        <ul class="documents">
          {s.document_urls.map((url, index) => (
            <li key={url}>
              <a href={url} target="_blank" rel="noopener noreferrer">
                Document {index + 1}<span class="visually-hidden"> of {s.member_id}'s submission</span> (opens in a new tab)
              </a>
            </li>
          ))}
        </ul>
      )}
      {submit.error && <Failed error={submit.error} />}
      <TextArea name={`note-${s.submission_id}`} label="Note to the member" rows={2} value={note} onValue={setNote}
        hint="Say why, when you reject some or all." error={submit.fields.note} />
      <div class="actions">
        <button type="button" onClick={() => send("approve")} disabled={submit.busy}>
          {rejected.length === 0 ? "Approve all" : `Approve, rejecting ${rejected.length}`}
          <span class="visually-hidden"> for {s.member_id}</span>
        </button>
        <button type="button" class="secondary" onClick={() => send("reject")} disabled={submit.busy}>
          Reject all<span class="visually-hidden"> for {s.member_id}</span>
        </button>
      </div>
    </article>
  );
}
