// CECs: progress for the renewal year, every activity on record (the JSON
// transcript) with downloads, the member's CEC Reporting Forms and their
// state, submitting verified forms, and the submissions made.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { ApiError, must, saveFile, type Api, type ErrorDetail, type Schemas } from "../../api/client";
import { cecs, day, when } from "../../ui/format";
import { ErrorSummary, Saved, SubmitButton } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { CecBar } from "../../ui/renewal";
import { Badge, Empty, Failed, Loading, Show } from "../../ui/states";
import { formStatus, submissionStatus, word } from "../../ui/words";
import { ActivityTable } from "../../ui/activities";
import { loadOverview } from "./dashboard";

type Form = Schemas["Form"];

/** The 422 of require_complete_submission, in a sentence: "You still need 2 CECs, 1 of them in-network." */
export function missingSentence(detail: ErrorDetail): string {
  const missing = Number(detail.missing ?? 0);
  const inNetwork = Number(detail.missing_in_network ?? 0);
  const total = Math.max(missing, inNetwork);
  const part = inNetwork <= 0 ? "" : inNetwork >= total ? ", all of them in-network" : `, ${inNetwork} of them in-network`;
  return `You still need ${cecs(total)}${part}.`;
}

async function loadYears(api: Api, today: string) {
  const overview = await loadOverview(api, today);
  return [overview.current, ...overview.earlier].filter((y) => !!y).map((y) => y!.renewal);
}

export function Cecs() {
  usePageTitle("Your CECs");
  const { api, today } = useApp();
  const { query, route } = useLocation();
  const years = useLoad(async () => loadYears(api, await today()));
  const [chosen, setChosen] = useState<number>();
  const [round, setRound] = useState(0);
  const refresh = () => {
    if (query.filed) route("/cecs", true); // the "form sent" notice is old news now
    setRound((r) => r + 1);
    years.reload();
  };
  return (
    <>
      <h1>Your CECs</h1>
      <p class="lead">
        A CEC is one hour of continuing education, meals and breaks excluded. Affiliate classes are added for you; report
        everything else on a CEC Reporting Form, have your affiliate office verify it, then submit it here.
      </p>
      {query.filed && (
        <Saved>Your form was sent to your affiliate office. Once they verify it, submit it below.</Saved>
      )}
      <p>
        <a href="/cecs/report" class="button">
          Report CECs on a form
        </a>
      </p>
      <Show load={years} what="Loading your CEC status">
        {(list) => {
          if (list.length === 0) return <Empty>No renewal year is open yet.</Empty>;
          const year = list.find((r) => r.renewal_year === chosen) ?? list[0];
          return (
            <>
              {list.length > 1 && (
                <nav aria-label="Renewal years" class="year-tabs">
                  {list.map((r) => (
                    <button key={r.renewal_year} type="button" class={r === year ? "" : "outline"}
                      aria-pressed={r === year ? "true" : "false"} onClick={() => setChosen(r.renewal_year)}>
                      {r.renewal_year}
                    </button>
                  ))}
                </nav>
              )}
              <section class="card" aria-labelledby="progress-title">
                <h2 id="progress-title">{year.renewal_year} renewal: CEC status</h2>
                <p class="hint">
                  CECs earned from {day(year.cec.window.start)} to {day(year.cec.window.end)} count for {year.renewal_year}.
                </p>
                <CecBar cec={year.cec} />
              </section>
              <Activities year={year.renewal_year} round={round} />
              <Forms year={year} round={round} onSubmitted={refresh} />
              <Submissions round={round} />
            </>
          );
        }}
      </Show>
    </>
  );
}

function Activities({ year, round }: { year: number; round: number }) {
  const { api } = useApp();
  const transcript = useLoad(
    () => must(api.GET("/me/cec-transcript", {
      params: { query: { renewal_year: year } },
      headers: { Accept: "application/json" },
    })) as Promise<Schemas["Transcript"]>,
    [year, round],
  );
  const download = useSubmit();
  const save = (accept: "application/pdf" | "text/csv", extension: string) =>
    void download.run(() =>
      saveFile(
        api.GET("/me/cec-transcript", { params: { query: { renewal_year: year } }, headers: { Accept: accept }, parseAs: "blob" }) as never,
        `cec-transcript-${year}.${extension}`,
      ));
  return (
    <section class="card" aria-labelledby="activities-title">
      <div class="card-header">
        <h2 id="activities-title">Activities on record</h2>
        <div class="actions">
          <button type="button" class="outline" onClick={() => save("application/pdf", "pdf")} disabled={download.busy}>
            Download transcript (PDF)
          </button>
          <button type="button" class="outline" onClick={() => save("text/csv", "csv")} disabled={download.busy}>
            Download transcript (CSV)
          </button>
        </div>
      </div>
      {download.error && <Failed error={download.error} />}
      <Show load={transcript} what="Loading your activities">
        {(record) =>
          record.activities.length === 0 ? (
            <Empty>No activities for this renewal year yet.</Empty>
          ) : (
            <ActivityTable activities={record.activities} caption={`CEC activities counted toward ${year}`} />
          )
        }
      </Show>
    </section>
  );
}

function formTone(form: Form): "good" | "warn" | "bad" | "info" {
  if (form.submission_id) return "info";
  return form.status === "verified" ? "good" : form.status === "rejected" ? "bad" : "warn";
}

function Forms({ year, round, onSubmitted }: { year: Schemas["Renewal"]; round: number; onSubmitted: () => void }) {
  const { api } = useApp();
  const forms = useLoad(() => must(api.GET("/me/cec-forms", { params: { query: { limit: 200 } } })), [round]);
  const [picked, setPicked] = useState<string[]>([]);
  const [accepted, setAccepted] = useState<string>();
  const submit = useSubmit();
  const rule = submit.error?.details.find((d) => d.rule === "require_complete_submission");

  const onSubmit = (event: Event) => {
    event.preventDefault();
    setAccepted(undefined);
    void submit.run(async () => {
      if (picked.length === 0) {
        throw new ApiError(422, "nothing_chosen", "Choose at least one verified form to submit.",
          [{ field: "form_ids", message: "Choose at least one verified form." }]);
      }
      const result = await must(api.POST("/me/cec-submissions", { body: { renewal_year: year.renewal_year, form_ids: picked } }));
      setAccepted(result.submission_id);
      setPicked([]);
      onSubmitted();
    });
  };

  return (
    <section class="card" aria-labelledby="forms-title">
      <h2 id="forms-title">Your CEC Reporting Forms</h2>
      <Show load={forms} what="Loading your forms">
        {(list) => {
          const items = [...list.items].sort((a, b) => b.created_at.localeCompare(a.created_at));
          const ready = items.filter((f) => f.status === "verified" && !f.submission_id);
          if (items.length === 0) {
            return (
              <Empty>
                No forms yet. Conference sessions, committee service, volunteering and other education are reported on a
                form (the button at the top of this page).
              </Empty>
            );
          }
          return (
            <>
              <ul class="form-list">
                {items.map((form) => (
                  <li key={form.form_id} class="form-item">
                    <div class="card-header">
                      <strong>{cecs(form.total_cec)} · {form.activities.length === 1 ? form.activities[0].title : `${form.activities.length} activities`}</strong>
                      <Badge tone={formTone(form)}>{form.submission_id ? "Submitted" : word(formStatus, form.status)}</Badge>
                    </div>
                    <small class="hint">
                      Filed {when(form.created_at)}
                      {form.verified_at ? ` · verified ${when(form.verified_at)}` : ""}
                    </small>
                    {form.status === "rejected" && form.note && (
                      <p class="note">
                        <strong>Affiliate office's note:</strong> {form.note}
                      </p>
                    )}
                    <details>
                      <summary>Activities</summary>
                      <ActivityTable activities={form.activities} caption="Activities on this form" />
                    </details>
                  </li>
                ))}
              </ul>
              <form onSubmit={onSubmit} class="submit-forms" aria-labelledby="submit-title" noValidate>
                <h3 id="submit-title">Submit verified forms for {year.renewal_year}</h3>
                <ErrorSummary error={submit.error} labels={{ form_ids: "Forms" }} sentence={rule ? missingSentence(rule) : undefined} />
                {rule && (
                  <p class="hint">
                    The institute asks for all outstanding CECs in one submission: report the rest on a form, have it verified, then
                    submit them together.
                  </p>
                )}
                {accepted && <Saved>Submitted. The institute will review it; its status is below.</Saved>}
                {ready.length === 0 ? (
                  <Empty>No verified forms are waiting to be submitted.</Empty>
                ) : (
                  <fieldset id="field-form_ids">
                    <legend>Verified forms not yet submitted</legend>
                    {ready.map((form) => (
                      <label key={form.form_id}>
                        <input type="checkbox" name="form_ids" value={form.form_id}
                          checked={picked.includes(form.form_id)}
                          onChange={(event) => {
                            const on = (event.currentTarget as HTMLInputElement).checked;
                            setPicked(on ? [...picked, form.form_id] : picked.filter((id) => id !== form.form_id));
                          }} />
                        {cecs(form.total_cec)}: {form.activities.map((a) => a.title).join(", ")}
                      </label>
                    ))}
                  </fieldset>
                )}
                {ready.length > 0 && <SubmitButton busy={submit.busy} busyText="Submitting…">Submit for review</SubmitButton>}
              </form>
            </>
          );
        }}
      </Show>
    </section>
  );
}

function Submissions({ round }: { round: number }) {
  const { api } = useApp();
  const submissions = useLoad(() => must(api.GET("/me/cec-submissions")), [round]);
  return (
    <section class="card" aria-labelledby="submissions-title">
      <h2 id="submissions-title">Your submissions</h2>
      {submissions.loading && !submissions.data && <Loading what="Loading your submissions" />}
      {submissions.error && <Failed error={submissions.error} retry={submissions.reload} />}
      {submissions.data &&
        (submissions.data.items.length === 0 ? (
          <Empty>You have not submitted CECs yet.</Empty>
        ) : (
          <ul class="form-list">
            {submissions.data.items.map((s) => (
              <li key={s.submission_id} class="form-item">
                <div class="card-header">
                  <strong>
                    {s.renewal_year} · {cecs(s.total_cec)}
                  </strong>
                  <Badge tone={s.status === "approved" ? "good" : s.status === "rejected" ? "bad" : "info"}>
                    {word(submissionStatus, s.status)}
                  </Badge>
                </div>
                <small class="hint">Submitted {when(s.submitted_at)}</small>
                {s.note && (
                  <p class="note">
                    <strong>Reviewer's note:</strong> {s.note}
                  </p>
                )}
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
