// A year's rule set as a form: every number of the year, per credential.
// Locked (read-only, with the reason) once the year's invoice run started; a
// year without one can start from the year before, its dates moved on a year.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { ApiError, must, type Schemas } from "../../api/client";
import { centsOf, dollars } from "../../ui/format";
import { ErrorSummary, fieldId, Saved, SubmitButton, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { Badge, Failed, Loading } from "../../ui/states";

type RuleSet = Schemas["RuleSet"];
type RuleSetIn = Schemas["RuleSetIn"];
const CODES = ["CAM", "CALP", "CAPS", "CAS", "AIME", "CAMT"];

interface CredentialForm {
  offered: boolean;
  renews_annually: boolean;
  cec_required: string;
  in_network_min: string;
  fee: string;
  emeritus_fee: string;
}

interface Form {
  due_date: string;
  grace_ends: string;
  reinstatement_fee: string;
  window_start: string;
  window_end: string;
  participation_cap: string;
  reminder_days_before_due: string;
  require_complete_submission: boolean;
  first_year_cec_waived: boolean;
  credentials: Record<string, CredentialForm>;
}

const shift = (date: string, years: number) => `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;

function formOf(rules: RuleSet | RuleSetIn, years = 0): Form {
  const credentials: Record<string, CredentialForm> = {};
  for (const code of CODES) {
    const rule = rules.credentials[code];
    credentials[code] = {
      offered: !!rule,
      renews_annually: rule?.renews_annually ?? code !== "CAMT",
      cec_required: String(rule?.cec_required ?? 0),
      in_network_min: String(rule?.in_network_min ?? 0),
      fee: dollars(rule?.fee_cents ?? 0),
      emeritus_fee: rule?.emeritus_fee_cents === null || rule?.emeritus_fee_cents === undefined ? "" : dollars(rule.emeritus_fee_cents),
    };
  }
  return {
    due_date: shift(rules.due_date, years),
    grace_ends: shift(rules.grace_ends, years),
    reinstatement_fee: dollars(rules.reinstatement_fee_cents),
    window_start: shift(rules.earning_window.start, years),
    window_end: shift(rules.earning_window.end, years),
    participation_cap: String(rules.participation_cap),
    reminder_days_before_due: String((rules as RuleSet).reminder_days_before_due ?? 30),
    require_complete_submission: rules.require_complete_submission,
    first_year_cec_waived: rules.first_year_cec_waived,
    credentials,
  };
}

function blankForm(year: number): Form {
  return formOf({
    renewal_year: year, currency: "usd", due_date: `${year}-01-01`, grace_ends: `${year}-03-31`, reinstatement_fee_cents: 5000,
    earning_window: { start: `${year - 1}-01-01`, end: `${year - 1}-12-31` }, participation_cap: 2,
    require_complete_submission: true, first_year_cec_waived: true, reminder_days_before_due: 30,
    credentials: {},
  } as RuleSetIn);
}

function bodyOf(year: number, form: Form): RuleSetIn {
  const money = (text: string) => centsOf(text);
  const credentials: RuleSetIn["credentials"] = {};
  for (const code of CODES) {
    const c = form.credentials[code];
    if (!c.offered) continue;
    credentials[code] = {
      renews_annually: c.renews_annually, cec_required: Number(c.cec_required), in_network_min: Number(c.in_network_min),
      fee_cents: money(c.fee), emeritus_fee_cents: c.emeritus_fee.trim() ? money(c.emeritus_fee) : null,
    };
  }
  return {
    renewal_year: year, currency: "usd", due_date: form.due_date, grace_ends: form.grace_ends,
    reinstatement_fee_cents: money(form.reinstatement_fee),
    earning_window: { start: form.window_start, end: form.window_end },
    participation_cap: Number(form.participation_cap), reminder_days_before_due: Number(form.reminder_days_before_due),
    require_complete_submission: form.require_complete_submission, first_year_cec_waived: form.first_year_cec_waived,
    credentials,
  };
}

const LABELS: Record<string, string> = {
  due_date: "Due date", grace_ends: "Grace period ends", reinstatement_fee_cents: "Reinstatement fee",
  "earning_window.start": "CECs count from", "earning_window.end": "CECs count until", earning_window: "Earning window",
  participation_cap: "Participation cap", reminder_days_before_due: "Reminder, days before the due date", credentials: "Credentials",
};
for (const code of CODES) {
  Object.assign(LABELS, {
    [`credentials.${code}`]: code, [`credentials.${code}.cec_required`]: `${code}: CECs required`,
    [`credentials.${code}.in_network_min`]: `${code}: in-network minimum`, [`credentials.${code}.fee_cents`]: `${code}: fee`,
    [`credentials.${code}.renews_annually`]: `${code}: renews annually`, [`credentials.${code}.emeritus_fee_cents`]: `${code}: emeritus fee`,
  });
}

async function load(api: ReturnType<typeof useApp>["api"], year: number): Promise<RuleSet | null> {
  try {
    return await must(api.GET("/admin/rule-sets/{renewal_year}", { params: { path: { renewal_year: year } } }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function RuleSets() {
  usePageTitle("Rule sets");
  const { api, today } = useApp();
  const start = useLoad(async () => Number((await today()).slice(0, 4)) + 1);
  const [typed, setTyped] = useState<string>();
  const shown = typed ?? (start.data ? String(start.data) : "");
  const year = /^\d{4}$/.test(shown) && Number(shown) >= 2000 && Number(shown) <= 2100 ? Number(shown) : undefined;
  const rules = useLoad(async () => (year ? { year, stored: await load(api, year) } : undefined), [year]);
  const current = rules.data && rules.data.year === year ? rules.data : undefined;
  return (
    <>
      <h1>Rule sets</h1>
      <p class="lead">Every number of a renewal year lives in its rule set. It can be changed until the year's invoice run starts.</p>
      <form class="year-picker" onSubmit={(e) => e.preventDefault()}>
        <label for="rule-year">Renewal year</label>
        <div class="inline">
          <input id="rule-year" type="number" min={2000} max={2100} value={shown}
            onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)} />
        </div>
      </form>
      {rules.error && <Failed error={rules.error} retry={rules.reload} />}
      {year && !current && !rules.error && <Loading what={`Loading the ${year} rule set`} />}
      {year && current && <RuleSetForm key={year} year={year} stored={current.stored} onSaved={rules.reload} />}
    </>
  );
}

function RuleSetForm({ year, stored, onSaved }: { year: number; stored: RuleSet | null; onSaved: () => void }) {
  const { api } = useApp();
  const [form, setForm] = useState<Form>(stored ? formOf(stored) : blankForm(year));
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState<string>();
  const submit = useSubmit();
  const locked = !!stored?.locked;
  const set = (key: keyof Form) => (value: string) => setForm({ ...form, [key]: value });
  const setCredential = (code: string, key: keyof CredentialForm, value: string | boolean) =>
    setForm({ ...form, credentials: { ...form.credentials, [code]: { ...form.credentials[code], [key]: value } } });
  const f = (name: string) => submit.fields[name];

  const copyLastYear = () =>
    void submit.run(async () => {
      const previous = await load(api, year - 1);
      if (!previous) throw new ApiError(404, "not_found", `There is no ${year - 1} rule set to copy.`);
      setForm(formOf(previous, 1));
      setCopied(`Copied from ${year - 1}, dates moved on a year. Check the numbers, then save.`);
    });

  const onSubmit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void submit.run(async () => {
      await must(api.PUT("/admin/rule-sets/{renewal_year}", { params: { path: { renewal_year: year } }, body: bodyOf(year, form) }));
      setSaved(true);
      setCopied(undefined);
      onSaved();
    });
  };

  return (
    <form onSubmit={onSubmit} noValidate class="wide-form">
      <h2>
        {year} rule set {locked ? <Badge tone="neutral">Locked</Badge> : stored ? <Badge tone="info">Editable</Badge> : <Badge tone="warn">Not set yet</Badge>}
      </h2>
      {locked && (
        <p class="notice" role="note">
          Locked: the {year} invoice run has started, so every invoice of the year uses these rules. They can no longer change.
        </p>
      )}
      {!stored && (
        <p>
          There is no rule set for {year} yet.{" "}
          <button type="button" class="outline small" onClick={copyLastYear}>Start from {year - 1}'s</button>
        </p>
      )}
      {copied && <p role="status" class="notice">{copied}</p>}
      <ErrorSummary error={submit.error} labels={LABELS} />
      {saved && <Saved>The {year} rule set is saved.</Saved>}
      <fieldset disabled={locked}>
        <legend>Dates and fees</legend>
        <div class="grid-2 tight">
          <TextField name="due_date" label={LABELS.due_date} type="date" value={form.due_date} onValue={set("due_date")} error={f("due_date")} />
          <TextField name="grace_ends" label={LABELS.grace_ends} type="date" value={form.grace_ends} onValue={set("grace_ends")} error={f("grace_ends")} />
          <TextField name="earning_window.start" label={LABELS["earning_window.start"]} type="date" value={form.window_start}
            onValue={set("window_start")} error={f("earning_window.start") ?? f("earning_window")} />
          <TextField name="earning_window.end" label={LABELS["earning_window.end"]} type="date" value={form.window_end}
            onValue={set("window_end")} error={f("earning_window.end")} />
          <TextField name="reinstatement_fee_cents" label={`${LABELS.reinstatement_fee_cents} ($)`} inputMode="decimal"
            value={form.reinstatement_fee} onValue={set("reinstatement_fee")} error={f("reinstatement_fee_cents")} />
          <TextField name="reminder_days_before_due" label={LABELS.reminder_days_before_due} type="number" min={0}
            value={form.reminder_days_before_due} onValue={set("reminder_days_before_due")} error={f("reminder_days_before_due")} />
        </div>
      </fieldset>
      <fieldset disabled={locked}>
        <legend>CEC rules</legend>
        <TextField name="participation_cap" label={LABELS.participation_cap} type="number" min={0} step={0.5} class="short"
          hint="Committee, legislative and teaching together count at most this many CECs a year."
          value={form.participation_cap} onValue={set("participation_cap")} error={f("participation_cap")} />
        <label>
          <input type="checkbox" checked={form.require_complete_submission}
            onChange={(e) => setForm({ ...form, require_complete_submission: (e.currentTarget as HTMLInputElement).checked })} />
          A submission must bring the member to the full requirement
        </label>
        <label>
          <input type="checkbox" checked={form.first_year_cec_waived}
            onChange={(e) => setForm({ ...form, first_year_cec_waived: (e.currentTarget as HTMLInputElement).checked })} />
          No CECs owed for a credential earned inside the earning window
        </label>
      </fieldset>
      <fieldset disabled={locked}>
        <legend>Credentials</legend>
        <div class="credential-rules">
          {CODES.map((code) => {
            const c = form.credentials[code];
            const name = (field: string) => `credentials.${code}.${field}`;
            return (
              <fieldset key={code} class="credential-rule" id={fieldId(`credentials.${code}`)}>
                <legend>{code}</legend>
                <label>
                  <input type="checkbox" checked={c.offered} onChange={(e) => setCredential(code, "offered", (e.currentTarget as HTMLInputElement).checked)} />
                  Part of {year}'s program
                </label>
                {c.offered && (
                  <>
                    <label>
                      <input type="checkbox" checked={c.renews_annually}
                        onChange={(e) => setCredential(code, "renews_annually", (e.currentTarget as HTMLInputElement).checked)} />
                      Renews every year
                    </label>
                    <div class="grid-2 tight">
                      <TextField name={name("cec_required")} label="CECs required" type="number" min={0} step={0.5} value={c.cec_required}
                        onValue={(v) => setCredential(code, "cec_required", v)} error={f(name("cec_required"))} />
                      <TextField name={name("in_network_min")} label="In-network minimum" type="number" min={0} step={0.5} value={c.in_network_min}
                        onValue={(v) => setCredential(code, "in_network_min", v)} error={f(name("in_network_min"))} />
                      <TextField name={name("fee_cents")} label="Fee ($)" inputMode="decimal" value={c.fee}
                        onValue={(v) => setCredential(code, "fee", v)} error={f(name("fee_cents"))} />
                      <TextField name={name("emeritus_fee_cents")} label="Emeritus fee ($)" hint="Empty: the normal fee." inputMode="decimal"
                        value={c.emeritus_fee} onValue={(v) => setCredential(code, "emeritus_fee", v)} error={f(name("emeritus_fee_cents"))} />
                    </div>
                    {f(`credentials.${code}`) && <p class="field-message">{f(`credentials.${code}`)}</p>}
                  </>
                )}
              </fieldset>
            );
          })}
        </div>
      </fieldset>
      {!locked && <SubmitButton busy={submit.busy}>Save the {year} rule set</SubmitButton>}
    </form>
  );
}
