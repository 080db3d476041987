// The CEC Reporting Form: one or more activities and, optionally, a scanned
// document (uploaded straight to S3 through the API's presigned POST). The
// affiliate office verifies it; then the member submits it from the CECs page.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { ApiError, must, uploadDocument, type Schemas } from "../../api/client";
import { cecFor } from "../../ui/cec";
import { cecs } from "../../ui/format";
import { DocumentField, ErrorSummary, SelectField, SubmitButton, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { activityTypes } from "../../ui/words";

type ActivityType = Schemas["ActivityIn"]["type"];

interface Row {
  key: number;
  type: ActivityType;
  title: string;
  provider: string;
  completed_on: string;
  contact_minutes: string;
  break_minutes: string;
}

let nextKey = 1;
const blank = (): Row => ({ key: nextKey++, type: "conference", title: "", provider: "", completed_on: "",
  contact_minutes: "", break_minutes: "0" });

const TYPES = Object.entries(activityTypes).filter(([code]) => code !== "affiliate_class") as [string, string][];

function labelsFor(rows: Row[]): Record<string, string> {
  const labels: Record<string, string> = { document_upload_id: "Scanned document", activities: "Activities" };
  rows.forEach((_, i) => {
    const n = `Activity ${i + 1}`;
    Object.assign(labels, {
      [`activities.${i}`]: n,
      [`activities.${i}.type`]: `${n}: type`,
      [`activities.${i}.title`]: `${n}: title`,
      [`activities.${i}.provider`]: `${n}: provider`,
      [`activities.${i}.completed_on`]: `${n}: date`,
      [`activities.${i}.contact_minutes`]: `${n}: minutes of education`,
      [`activities.${i}.break_minutes`]: `${n}: minutes of breaks and meals`,
    });
  });
  return labels;
}

export function CecReport() {
  usePageTitle("Report CECs");
  const { api, today } = useApp();
  const { route } = useLocation();
  const latest = useLoad(today).data; // no activity in the future, by the API's calendar
  const [rows, setRows] = useState<Row[]>([blank()]);
  const [file, setFile] = useState<File | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const submit = useSubmit();
  const labels = labelsFor(rows);

  const update = (key: number, field: keyof Row) => (value: string) =>
    setRows(rows.map((row) => (row.key === key ? { ...row, [field]: value } : row)));
  const error = (name: string) => submit.fields[name];
  const total = rows.reduce((sum, r) => sum + cecFor(Number(r.contact_minutes), Number(r.break_minutes)), 0);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      if (fileProblem) throw new ApiError(422, "bad_document", "Check the scanned document.", [{ field: "document_upload_id", message: fileProblem }]);
      const document_upload_id = file ? await uploadDocument(api, file) : null;
      await must(api.POST("/me/cec-forms", {
        body: {
          document_upload_id,
          activities: rows.map((r) => ({
            type: r.type,
            title: r.title.trim(),
            provider: r.provider.trim(),
            completed_on: r.completed_on,
            contact_minutes: Number(r.contact_minutes),
            break_minutes: Number(r.break_minutes || 0),
          })),
        },
      }));
      route("/cecs?filed=1");
    });
  };

  return (
    <>
      <p>
        <a href="/cecs">← Back to your CECs</a>
      </p>
      <h1>Report CECs</h1>
      <p class="lead">
        For Expo sessions, committee service, volunteering and other education. Your affiliate office verifies and signs the
        form; then you submit it for the institute's approval. Affiliate classes are added for you: do not report them here.
      </p>
      <form onSubmit={onSubmit} noValidate class="cec-form">
        <ErrorSummary error={submit.error} labels={labels} />
        {rows.map((row, index) => {
          const name = (field: string) => `activities.${index}.${field}`;
          const worth = cecFor(Number(row.contact_minutes), Number(row.break_minutes));
          return (
            <fieldset key={row.key} class="activity">
              <legend>Activity {index + 1}</legend>
              <SelectField name={name("type")} label="Type" value={row.type} onValue={update(row.key, "type")}
                options={TYPES} error={error(name("type"))}
                hint="Conference sessions and institute-approved online courses are in-network; committee, legislative and teaching together count at most the year's participation cap." />
              <TextField name={name("title")} label="Title" value={row.title} onValue={update(row.key, "title")}
                error={error(name("title"))} required />
              <TextField name={name("provider")} label="Provider" hint="Who gave it, for example NAA Expo."
                value={row.provider} onValue={update(row.key, "provider")} error={error(name("provider"))} required />
              <TextField name={name("completed_on")} label="Date" type="date" max={latest} value={row.completed_on}
                onValue={update(row.key, "completed_on")} error={error(name("completed_on"))} required />
              <div class="grid-2 tight">
                <TextField name={name("contact_minutes")} label="Minutes of education" type="number" min={0} step={15}
                  inputMode="numeric" value={row.contact_minutes} onValue={update(row.key, "contact_minutes")}
                  error={error(name("contact_minutes"))} required />
                <TextField name={name("break_minutes")} label="Minutes of breaks and meals" type="number" min={0} step={15}
                  inputMode="numeric" value={row.break_minutes} onValue={update(row.key, "break_minutes")}
                  error={error(name("break_minutes"))} />
              </div>
              <p class="worth" aria-live="polite">
                Worth <strong>{cecs(worth)}</strong>
              </p>
              {rows.length > 1 && (
                <button type="button" class="outline secondary small"
                  onClick={() => setRows(rows.filter((r) => r.key !== row.key))}>
                  Remove activity {index + 1}
                </button>
              )}
            </fieldset>
          );
        })}
        <p>
          <button type="button" class="outline" onClick={() => setRows([...rows, blank()])} disabled={rows.length >= 25}>
            Add another activity
          </button>
        </p>
        <DocumentField label="Scanned document" error={error("document_upload_id") ?? fileProblem ?? undefined}
          hint="Optional: the signed form or a certificate of attendance. A PDF, PNG or JPEG of at most 10 MB."
          onFile={(chosen, problem) => {
            setFile(chosen);
            setFileProblem(problem);
          }} />
        <p>
          Total: <strong>{cecs(total)}</strong>
        </p>
        <SubmitButton busy={submit.busy} busyText="Sending…">Send to my affiliate office</SubmitButton>
      </form>
    </>
  );
}
