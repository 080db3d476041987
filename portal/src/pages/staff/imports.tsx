// Going live: upload the member file from the previous system, check it with a
// dry run (counts and every rejected row), then import it for real and watch
// the counts arrive. Importing the same file again changes nothing.
import Papa from "papaparse";
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { ApiError, must, type Api, type Schemas } from "../../api/client";
import { plural, when } from "../../ui/format";
import { ErrorSummary, Field, SubmitButton } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { RunBar, RunCard, RunsTable, useRun, type Column } from "../../ui/runs";
import { RunBadge, Empty, LabelledCell, Show, TableScroll } from "../../ui/states";

type Run = Schemas["ImportRun"];
const MAX_FILE_BYTES = 50 * 1024 * 1024;
const SHOWN_ERRORS = 50;

const PAST_COLUMNS: Column<Run>[] = [
  { label: "Started", cell: (r) => when(r.started_at), kind: "nowrap" },
  { label: "Kind", cell: (r) => (r.dry_run ? "Dry run" : r.invite ? "Import and invite" : "Import") },
  { label: "Status", cell: (r) => <RunBadge status={r.status} /> },
  { label: "Rows", cell: (r) => r.rows ?? "", kind: "amount" },
  { label: "Created", cell: (r) => r.created, kind: "amount" },
  { label: "Updated", cell: (r) => r.updated, kind: "amount" },
  { label: "Unchanged", cell: (r) => r.unchanged, kind: "amount" },
  { label: "Rejected", cell: (r) => r.rejected, kind: "amount" },
];

/** Sends the file to storage with the API's presigned POST; the upload's id. */
async function uploadMemberFile(api: Api, file: File): Promise<string> {
  // Windows browsers call a .csv "application/vnd.ms-excel"; the API accepts both names.
  const content_type = file.type === "application/vnd.ms-excel" ? file.type : "text/csv";
  const upload = await must(api.POST("/admin/uploads", { body: { content_type, size_bytes: file.size } }));
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, String(value));
  form.append("file", new Blob([file], { type: content_type })); // S3 wants the file last
  let response: Response;
  try {
    response = await fetch(upload.url, { method: "POST", body: form });
  } catch {
    throw new ApiError(0, "upload_failed", "The file could not be uploaded. Check your connection and try again.",
      [{ field: "file", message: "The upload did not reach storage. Try again." }]);
  }
  if (!response.ok) {
    throw new ApiError(response.status, "upload_failed", "Storage refused the file.",
      [{ field: "file", message: "Storage refused the file: a CSV of at most 50 MB is accepted." }]);
  }
  return upload.upload_id;
}

function fileProblem(file: File | null): string | null {
  if (!file) return "Choose the member file (a .csv).";
  if (!/\.csv$/i.test(file.name) && !["text/csv", "application/vnd.ms-excel"].includes(file.type)) {
    return "Choose a CSV file: in the spreadsheet, save as \"CSV UTF-8 (comma delimited)\".";
  }
  if (file.size === 0) return "The file is empty.";
  if (file.size > MAX_FILE_BYTES) return "The file is larger than 50 MB: split it into several files.";
  return null;
}

export function Imports() {
  usePageTitle("Import members");
  const [check, setCheck] = useState<{ uploadId: string; importId: string; name: string }>();
  const [real, setReal] = useState<string>();
  const [round, setRound] = useState(0);
  return (
    <>
      <h1>Import members</h1>
      <p class="lead">
        Bring the institute's members in from its previous system: a CSV file with the columns member_id, first_name,
        last_name, email, phone, address_line1, address_line2, city, state, postal_code, country, affiliate, credentials
        and renewed_through. Every row is checked as a member's record is checked here; a dry run writes nothing.
      </p>
      <ChooseFile
        onChecked={(uploadId, importId, name) => {
          setCheck({ uploadId, importId, name });
          setReal(undefined);
        }}
      />
      {check && (
        <section aria-labelledby="check-title">
          <h2 id="check-title">1. The dry run of {check.name}</h2>
          <ImportProgress key={check.importId} importId={check.importId}>
            {(run) => run.status === "completed" && !real && (
              <ImportForReal uploadId={check.uploadId} run={run} onStarted={(id) => { setReal(id); setRound(round + 1); }} />
            )}
          </ImportProgress>
        </section>
      )}
      {real && (
        <section aria-labelledby="real-title">
          <h2 id="real-title">2. The import</h2>
          <ImportProgress key={real} importId={real} onDone={() => setRound(round + 1)} />
        </section>
      )}
      <PastImports round={round} />
    </>
  );
}

function ChooseFile({ onChecked }: { onChecked: (uploadId: string, importId: string, name: string) => void }) {
  const { api } = useApp();
  const [file, setFile] = useState<File | null>(null);
  const submit = useSubmit();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const problem = fileProblem(file);
      if (problem) throw new ApiError(422, "bad_file", "Check the member file.", [{ field: "file", message: problem }]);
      const uploadId = await uploadMemberFile(api, file as File);
      const started = await must(api.POST("/admin/imports", { body: { upload_id: uploadId, dry_run: true, invite: false } }));
      onChecked(uploadId, started.import_id, (file as File).name);
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate class="card">
      <h2>Check a member file</h2>
      <ErrorSummary error={submit.error} labels={{ file: "Member file", upload_id: "Member file" }} />
      <Field name="file" label="Member file" error={submit.fields.file ?? submit.fields.upload_id}
        hint="CSV UTF-8, up to 50 MB; Excel's own CSV, with its line endings and quoted values, is fine.">
        {(aria) => (
          <input {...aria} type="file" name="file" accept=".csv,text/csv"
            onChange={(event) => setFile((event.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
        )}
      </Field>
      <SubmitButton busy={submit.busy} busyText="Uploading and checking…">Check the file (dry run)</SubmitButton>
    </form>
  );
}

function ImportForReal({ uploadId, run, onStarted }: { uploadId: string; run: Run; onStarted: (importId: string) => void }) {
  const { api } = useApp();
  const [invite, setInvite] = useState(false);
  const submit = useSubmit();
  const writes = run.created + run.updated;
  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const started = await must(api.POST("/admin/imports", { body: { upload_id: uploadId, dry_run: false, invite } }));
      onStarted(started.import_id);
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate class="card">
      <h3>Import for real</h3>
      <ErrorSummary error={submit.error} labels={{}} />
      <p>
        {writes === 0
          ? "Nothing would change: every valid row matches the member on file."
          : `${plural(run.created, "member")} would be created and ${plural(run.updated, "member")} updated.`}
        {run.rejected > 0 && ` The ${plural(run.rejected, "rejected row")} would be left out: correct them and import the file again later.`}
      </p>
      <label>
        <input type="checkbox" name="invite" checked={invite}
          onChange={(event) => setInvite((event.currentTarget as HTMLInputElement).checked)} />
        Invite every imported member who has no account yet (the user pool e-mails each an invitation)
      </label>
      <SubmitButton busy={submit.busy} busyText="Starting…">Import {plural(run.rows ?? 0, "row")}</SubmitButton>
    </form>
  );
}

export function ImportProgress({ importId, children, onDone }: {
  importId: string;
  children?: (run: Run) => ComponentChildren;
  onDone?: () => void;
}) {
  const { api } = useApp();
  const run = useRun(() => must(api.GET("/admin/imports/{import_id}", { params: { path: { import_id: importId } } })), onDone);
  if (!run) return <p aria-busy="true">Reading the file…</p>;
  const done = run.created + run.updated + run.unchanged + run.rejected;
  const finished = run.status !== "running";
  const id = `import-${importId}`;
  return (
    <RunCard id={id} title={`${run.dry_run ? "Dry run" : "Import"} started ${when(run.started_at)}`} status={run.status}>
      {run.status === "failed" ? (
        <div class="notice notice-error" role="alert">
          <p>The file could not be imported: {run.message}</p>
        </div>
      ) : (
        <>
          <RunBar id={`${id}-bar`} done={done} total={run.rows ?? 0} finished={finished}
            label={run.rows === null || run.rows === undefined
              ? "Reading the file…"
              : `${done} of ${plural(run.rows, "row")} ${finished ? "done" : "checked so far"}`} />
          <dl class="facts" aria-live="polite">
            <dt>{run.dry_run ? "Would be created" : "Created"}</dt>
            <dd>{run.created}</dd>
            <dt>{run.dry_run ? "Would be updated" : "Updated"}</dt>
            <dd>{run.updated}</dd>
            <dt>Unchanged</dt>
            <dd>{run.unchanged}</dd>
            <dt>Rejected</dt>
            <dd>{run.rejected}</dd>
            {!run.dry_run && run.invite && (
              <>
                <dt>Invited</dt>
                <dd>{run.invited}</dd>
              </>
            )}
          </dl>
        </>
      )}
      {finished && run.errors_url && <RejectedRows url={run.errors_url} rejected={run.rejected} />}
      {children?.(run)}
    </RunCard>
  );
}

interface RejectedRow {
  row: string;
  column: string;
  message: string;
}

function RejectedRows({ url, rejected }: { url: string; rejected: number }) {
  const rows = useLoad(async () => {
    const response = await fetch(url);
    if (!response.ok) throw new ApiError(response.status, "errors_file", "The error file could not be read; download it instead.");
    const parsed = Papa.parse<RejectedRow>(await response.text(), { header: true, skipEmptyLines: true });
    return parsed.data;
  }, [url]);
  return (
    <section aria-label="Rejected rows">
      <h4>Rejected rows</h4>
      <p>
        <a href={url} download>Download the error file</a> (row, column and problem for every rejected row
        {rejected > 0 ? `: ${plural(rejected, "row")}` : ""}).
      </p>
      <Show load={rows} what="Reading the error file">
        {(list) => list.length === 0 ? <Empty>No row was rejected.</Empty> : (
          <TableScroll label="Rejected rows">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Column</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {list.slice(0, SHOWN_ERRORS).map((e, index) => (
                  <tr key={`${e.row}-${e.column}-${index}`}>
                    <LabelledCell label="Row">{e.row}</LabelledCell>
                    <LabelledCell label="Column"><span class="mono">{e.column || "(the row)"}</span></LabelledCell>
                    <LabelledCell label="Problem">{e.message}</LabelledCell>
                  </tr>
                ))}
              </tbody>
            </table>
            {list.length > SHOWN_ERRORS && <p class="hint">The first {SHOWN_ERRORS} of {list.length}: the file has them all.</p>}
          </TableScroll>
        )}
      </Show>
    </section>
  );
}

function PastImports({ round }: { round: number }) {
  const { api } = useApp();
  const list = useLoad(() => must(api.GET("/admin/imports", { params: { query: { limit: 20 } } })), [round]);
  return (
    <section class="card" aria-labelledby="past-title">
      <h2 id="past-title">Past imports</h2>
      <Show load={list} what="Loading past imports">
        {(page) => page.items.length === 0 ? <Empty>No file imported yet.</Empty> : (
          <RunsTable label="Past imports" rows={page.items} rowKey={(r) => r.import_id} columns={PAST_COLUMNS} />
        )}
      </Show>
    </section>
  );
}
