// Waiver requests: military deployment or emeritus status, with an optional
// document, and the member's requests with the institute's decision.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { ApiError, must, uploadDocument, type Schemas } from "../../api/client";
import { when, seasonYear } from "../../ui/format";
import { DocumentField, ErrorSummary, Saved, SubmitButton, TextArea, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { Badge, Empty, Show } from "../../ui/states";
import { requestStatus, waiverChoices, waiverTypes, word } from "../../ui/words";

type WaiverType = Schemas["WaiverRequestIn"]["type"];

const LABELS = {
  type: "Kind of waiver",
  renewal_year: "Renewal year",
  reason: "Why you are asking",
  document_upload_id: "Supporting document",
};

export function Waivers() {
  usePageTitle("Waivers");
  const { api, today } = useApp();
  const requests = useLoad(() => must(api.GET("/me/waiver-requests")));
  const year = useLoad(async () => seasonYear(await today()));
  return (
    <>
      <h1>Waivers</h1>
      <p class="lead">
        Deployed by the military? Your dues and CECs can be waived for the year. Retired, or 25 years in the industry? Emeritus
        status waives your CECs from that year on. Ask here; the institute decides.
      </p>
      <Show load={year}>{(y) => <RequestForm defaultYear={y} onSent={requests.reload} />}</Show>
      <section aria-labelledby="requests-title" class="card">
        <h2 id="requests-title">Your requests</h2>
        <Show load={requests} what="Loading your requests">
          {(list) =>
            list.items.length === 0 ? (
              <Empty>You have not asked for a waiver.</Empty>
            ) : (
              <ul class="form-list">
                {list.items.map((r) => (
                  <li key={r.request_id} class="form-item">
                    <div class="card-header">
                      <strong>
                        {word(waiverTypes, r.type)}, {r.renewal_year}
                      </strong>
                      <Badge tone={r.status === "approved" ? "good" : r.status === "rejected" ? "bad" : "info"}>
                        {word(requestStatus, r.status)}
                      </Badge>
                    </div>
                    <small class="hint">Asked {when(r.created_at)}{r.decided_at ? ` · decided ${when(r.decided_at)}` : ""}</small>
                    <p>{r.reason}</p>
                    {r.note && (
                      <p class="note">
                        <strong>The institute's note:</strong> {r.note}
                      </p>
                    )}
                  </li>
                ))}
              </ul>
            )
          }
        </Show>
      </section>
    </>
  );
}

function RequestForm({ defaultYear, onSent }: { defaultYear: number; onSent: () => void }) {
  const { api } = useApp();
  const [type, setType] = useState<WaiverType>("military_deployment");
  const [renewalYear, setRenewalYear] = useState(String(defaultYear));
  const [reason, setReason] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const submit = useSubmit();

  const onSubmit = (event: Event) => {
    event.preventDefault();
    setSent(false);
    void submit.run(async () => {
      if (fileProblem) throw new ApiError(422, "bad_document", "Check the supporting document.", [{ field: "document_upload_id", message: fileProblem }]);
      const document_upload_id = file ? await uploadDocument(api, file) : null;
      await must(api.POST("/me/waiver-requests", {
        body: { type, renewal_year: Number(renewalYear), reason: reason.trim(), document_upload_id },
      }));
      setSent(true);
      setReason("");
      onSent();
    });
  };

  return (
    <form onSubmit={onSubmit} noValidate class="card" aria-labelledby="ask-title">
      <h2 id="ask-title">Ask for a waiver</h2>
      <ErrorSummary error={submit.error} labels={LABELS} />
      {sent && <Saved>Your request was sent. The institute will decide and e-mail you.</Saved>}
      <fieldset id="field-type" aria-describedby={submit.fields.type ? "field-type-error" : undefined}>
        <legend>{LABELS.type}</legend>
        {submit.fields.type && <p id="field-type-error" class="field-message">{submit.fields.type}</p>}
        {(Object.keys(waiverChoices) as WaiverType[]).map((code) => (
          <label key={code}>
            <input type="radio" name="type" value={code} checked={type === code} onChange={() => setType(code)} />
            {waiverChoices[code]}
          </label>
        ))}
      </fieldset>
      <TextField name="renewal_year" label={LABELS.renewal_year} type="number" inputMode="numeric" class="short"
        hint="For emeritus status, the first year it applies to." value={renewalYear} onValue={setRenewalYear}
        error={submit.fields.renewal_year} />
      <TextArea name="reason" label={LABELS.reason} value={reason} onValue={setReason} error={submit.fields.reason}
        hint="For a deployment, where and until when; for emeritus, your retirement or years in the industry." />
      <DocumentField label={LABELS.document_upload_id} error={submit.fields.document_upload_id ?? fileProblem ?? undefined}
        hint="Optional: deployment orders or a letter. A PDF, PNG or JPEG of at most 10 MB."
        onFile={(chosen, problem) => {
          setFile(chosen);
          setFileProblem(problem);
        }} />
      <SubmitButton busy={submit.busy} busyText="Sending…">Send request</SubmitButton>
    </form>
  );
}
