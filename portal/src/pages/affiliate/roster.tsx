// Posting a class roster: the class, then its attendees (found by name among
// the office's members, or pasted / uploaded as member ids), a preview, and
// the result for each attendee.
import Papa from "papaparse";
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { ApiError, must, type Schemas } from "../../api/client";
import { cecFor } from "../../ui/cec";
import { cecs } from "../../ui/format";
import { ErrorSummary, Field, SubmitButton, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { MemberSearch } from "../../ui/member-search";
import { Badge, TableScroll } from "../../ui/states";

const ID = /^[A-Za-z0-9-]{1,64}$/;

const LABELS: Record<string, string> = {
  class_id: "Class id",
  title: "Class title",
  held_on: "Date held",
  contact_minutes: "Minutes of class",
  break_minutes: "Minutes of breaks and meals",
  attendees: "Attendees",
};

/** Member ids out of pasted text or a CSV file: the first column, or a column named member_id. */
export function idsFrom(text: string): { ids: string[]; rejected: string[] } {
  const rows = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true }).data;
  if (rows.length === 0) return { ids: [], rejected: [] };
  const header = rows[0].map((cell) => cell.trim().toLowerCase());
  const column = Math.max(0, header.indexOf("member_id"));
  const body = header.includes("member_id") ? rows.slice(1) : rows;
  // A one-column paste may put several ids on a line, separated by spaces or commas.
  const cells = body.flatMap((row) => (row.length === 1 ? row[0].split(/[\s;]+/) : [row[column] ?? ""]));
  const ids: string[] = [];
  const rejected: string[] = [];
  for (const cell of cells.map((c) => c.trim()).filter(Boolean)) {
    if (ID.test(cell)) {
      if (!ids.includes(cell)) ids.push(cell);
    } else rejected.push(cell);
  }
  return { ids, rejected };
}

interface Attendee {
  member_id: string;
  name?: string;
}

export function Roster() {
  usePageTitle("Post a class roster");
  const { api, today } = useApp();
  const [form, setForm] = useState({ class_id: "", title: "", held_on: "", contact_minutes: "", break_minutes: "0" });
  const [attendees, setAttendees] = useState<Attendee[]>([]);
  const [pasted, setPasted] = useState("");
  const [pasteNote, setPasteNote] = useState<string>();
  const [result, setResult] = useState<{ roster: Schemas["RosterResult"]; attendees: Attendee[] }>();
  const latest = useLoad(today).data; // no class in the future, by the API's calendar
  const submit = useSubmit();
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const worth = cecFor(Number(form.contact_minutes), Number(form.break_minutes));

  const add = (more: Attendee[]) => {
    const known = new Set(attendees.map((a) => a.member_id));
    setAttendees([...attendees, ...more.filter((a) => !known.has(a.member_id))]);
  };
  const addPasted = (text: string) => {
    const { ids, rejected } = idsFrom(text);
    add(ids.map((member_id) => ({ member_id })));
    setPasteNote(`${ids.length} member ${ids.length === 1 ? "id" : "ids"} added${rejected.length ? `; not member ids: ${rejected.slice(0, 5).join(", ")}` : ""}.`);
    setPasted("");
  };

  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      if (attendees.length === 0) {
        throw new ApiError(422, "no_attendees", "Add the attendees first.", [{ field: "attendees", message: "Add at least one attendee." }]);
      }
      if (!ID.test(form.class_id.trim())) {
        throw new ApiError(422, "bad_class_id", "Check the class id.",
          [{ field: "class_id", message: "Use letters, digits and dashes only, for example FH-2026-05." }]);
      }
      const roster = await must(api.POST("/affiliate/classes/{class_id}/roster", {
        params: { path: { class_id: form.class_id.trim() } },
        body: {
          title: form.title.trim(), held_on: form.held_on, contact_minutes: Number(form.contact_minutes),
          break_minutes: Number(form.break_minutes || 0), attendees: attendees.map((a) => a.member_id),
        },
      }));
      setResult({ roster, attendees });
    });
  };

  if (result) return <RosterResult result={result.roster} attendees={result.attendees} onAnother={() => {
    setResult(undefined);
    setAttendees([]);
    setForm({ class_id: "", title: "", held_on: "", contact_minutes: "", break_minutes: "0" });
  }} />;

  return (
    <>
      <h1>Post a class roster</h1>
      <p class="lead">Each attendee who is one of your members is credited with the class's CECs at once. Posting the same class again credits nobody twice.</p>
      <form onSubmit={onSubmit} noValidate class="wide-form">
        <ErrorSummary error={submit.error} labels={LABELS} />
        <fieldset>
          <legend>The class</legend>
          <TextField name="class_id" label={LABELS.class_id} hint="Your own reference for the class, for example FH-2026-05."
            value={form.class_id} onValue={set("class_id")} error={submit.fields.class_id} required />
          <TextField name="title" label={LABELS.title} value={form.title} onValue={set("title")} error={submit.fields.title} required />
          <TextField name="held_on" label={LABELS.held_on} type="date" max={latest} value={form.held_on} onValue={set("held_on")}
            error={submit.fields.held_on} required />
          <div class="grid-2 tight">
            <TextField name="contact_minutes" label={LABELS.contact_minutes} type="number" min={0} step={15} inputMode="numeric"
              value={form.contact_minutes} onValue={set("contact_minutes")} error={submit.fields.contact_minutes} required />
            <TextField name="break_minutes" label={LABELS.break_minutes} type="number" min={0} step={15} inputMode="numeric"
              value={form.break_minutes} onValue={set("break_minutes")} error={submit.fields.break_minutes} />
          </div>
          <p class="worth" aria-live="polite">
            Worth <strong>{cecs(worth)}</strong> to each attendee
          </p>
        </fieldset>
        <fieldset id="field-attendees">
          <legend>Attendees</legend>
          {submit.fields.attendees && <p class="field-message">{submit.fields.attendees}</p>}
          <MemberSearch scope="affiliate" label="Find a member by name"
            action={(row) => attendees.some((a) => a.member_id === row.member_id)
              ? <span class="hint">Added</span>
              : <button type="button" class="outline small" onClick={() => add([{ member_id: row.member_id, name: row.name }])}>
                  Add {row.name}
                </button>} />
          <details>
            <summary>Or paste or upload member ids</summary>
            <Field name="pasted" label="Member ids" hint="One per line, or separated by commas; a CSV's first column (or its member_id column).">
              {(aria) => <textarea {...aria} rows={4} value={pasted} onInput={(e) => setPasted((e.currentTarget as HTMLTextAreaElement).value)} />}
            </Field>
            <button type="button" class="outline small" onClick={() => addPasted(pasted)} disabled={!pasted.trim()}>
              Add these ids
            </button>
            <Field name="csv" label="Or a CSV file of member ids">
              {(aria) => (
                <input {...aria} type="file" accept=".csv,text/csv,text/plain" onChange={async (e) => {
                  const file = (e.currentTarget as HTMLInputElement).files?.[0];
                  if (file) addPasted(await file.text());
                }} />
              )}
            </Field>
            {pasteNote && <p role="status">{pasteNote}</p>}
          </details>
          <h2 class="preview-title">Preview: {attendees.length} {attendees.length === 1 ? "attendee" : "attendees"}</h2>
          {attendees.length === 0 ? (
            <p class="empty">Nobody yet: find members above, or paste their ids.</p>
          ) : (
            <TableScroll label="Attendees to post">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col"><span class="visually-hidden">Remove</span></th>
                  </tr>
                </thead>
                <tbody>
                  {attendees.map((a) => (
                    <tr key={a.member_id}>
                      <td>
                        <span class="mono">{a.member_id}</span> {a.name ?? ""}
                      </td>
                      <td>
                        <button type="button" class="outline secondary small"
                          onClick={() => setAttendees(attendees.filter((x) => x.member_id !== a.member_id))}>
                          Remove {a.name ?? a.member_id}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </fieldset>
        <SubmitButton busy={submit.busy} busyText="Posting…">
          Post roster for {attendees.length} {attendees.length === 1 ? "attendee" : "attendees"}
        </SubmitButton>
      </form>
    </>
  );
}

function RosterResult({ result, attendees, onAnother }: { result: Schemas["RosterResult"]; attendees: Attendee[]; onAnother: () => void }) {
  usePageTitle("Roster posted");
  const outcome = (id: string) =>
    result.credited.includes(id) ? <Badge tone="good">Credited {cecs(result.cec)}</Badge>
      : result.already_credited.includes(id) ? <Badge tone="info">Already credited</Badge>
      : <Badge tone="bad">Not one of your members</Badge>;
  return (
    <>
      <h1>Roster posted</h1>
      <p role="status" class="notice notice-success">
        {result.credited.length} credited with {cecs(result.cec)}, {result.already_credited.length} already credited,{" "}
        {result.unknown_members.length} not found among your members.
      </p>
      <TableScroll label="Result for each attendee">
        <table>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {attendees.map((a) => (
              <tr key={a.member_id}>
                <td>
                  <span class="mono">{a.member_id}</span> {a.name ?? ""}
                </td>
                <td>{outcome(a.member_id)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <p>
        <button type="button" onClick={onAnother}>Post another roster</button>
      </p>
    </>
  );
}
