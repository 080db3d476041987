// Invoice runs: start one for a year and watch it, its counts arriving as the
// batches finish. (Running a year again is safe: it invoices only members who
// have no invoice for the year.)
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { when, seasonYear } from "../../ui/format";
import { ErrorSummary, SubmitButton, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { RunBar, RunCard, RunsTable, useRun, type Column } from "../../ui/runs";
import { RunBadge, Empty, Show } from "../../ui/states";

const COLUMNS: Column<Schemas["InvoiceRun"]>[] = [
  { label: "Year", cell: (r) => r.renewal_year },
  { label: "Started", cell: (r) => when(r.started_at), kind: "nowrap" },
  { label: "Status", cell: (r) => <RunBadge status={r.status} /> },
  { label: "Created", cell: (r) => r.invoices_created, kind: "amount" },
  { label: "Already", cell: (r) => r.already_invoiced, kind: "amount" },
  { label: "Not owed", cell: (r) => r.not_required, kind: "amount" },
  { label: "Failed", cell: (r) => r.failed, kind: "amount" },
];

export function Runs() {
  usePageTitle("Invoice runs");
  const { today } = useApp();
  const start = useLoad(async () => seasonYear(await today()));
  const [started, setStarted] = useState<string[]>([]);
  // The past runs list is read again when a run starts and when one finishes.
  const [round, setRound] = useState(0);
  const changed = () => setRound((n) => n + 1);
  return (
    <>
      <h1>Invoice runs</h1>
      <p class="lead">
        The annual run starts by itself on its schedule; start one here to invoice a year now, or to pick up members added since.
      </p>
      <Show load={start}>{(year) => <StartRun defaultYear={year} onStarted={(id) => {
        setStarted([id, ...started]);
        changed();
      }} />}</Show>
      {started.length > 0 && (
        <section aria-labelledby="runs-title">
          <h2 id="runs-title">Runs started here</h2>
          {started.map((id) => <RunProgress key={id} runId={id} onDone={changed} />)}
        </section>
      )}
      <PastRuns round={round} />
    </>
  );
}

function StartRun({ defaultYear, onStarted }: { defaultYear: number; onStarted: (runId: string) => void }) {
  const { api } = useApp();
  const [year, setYear] = useState(String(defaultYear));
  const submit = useSubmit();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const run = await must(api.POST("/admin/invoice-runs", { body: { renewal_year: Number(year) } }));
      onStarted(run.run_id);
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate class="card">
      <h2>Start an invoice run</h2>
      <ErrorSummary error={submit.error} labels={{ renewal_year: "Renewal year" }} />
      <TextField name="renewal_year" label="Renewal year" type="number" inputMode="numeric" class="short" value={year}
        onValue={setYear} error={submit.fields.renewal_year} />
      <SubmitButton busy={submit.busy} busyText="Starting…">Start the {year} invoice run</SubmitButton>
    </form>
  );
}

export function RunProgress({ runId, onDone }: { runId: string; onDone?: () => void }) {
  const { api } = useApp();
  const run = useRun(() => must(api.GET("/admin/invoice-runs/{run_id}", { params: { path: { run_id: runId } } })), onDone);
  if (!run) return <p aria-busy="true">Starting run {runId}…</p>;
  const done = run.invoices_created + run.already_invoiced + run.not_required + run.failed;
  const finished = run.status !== "running";
  const id = `run-${runId}`;
  return (
    <RunCard id={id} title={`${run.renewal_year} invoice run`} status={run.status}>
      <RunBar id={`${id}-bar`} done={done} total={run.members_seen} finished={finished}
        label={finished ? `${done} of ${run.members_seen} members done` : `${done} of ${run.members_seen} members seen so far`} />
      <dl class="facts" aria-live="polite">
        <dt>Invoices created</dt>
        <dd>{run.invoices_created}</dd>
        <dt>Already invoiced</dt>
        <dd>{run.already_invoiced}</dd>
        <dt>No renewal owed</dt>
        <dd>{run.not_required}</dd>
        <dt>Failed</dt>
        <dd>{run.failed}</dd>
        <dt>Started</dt>
        <dd>{when(run.started_at)}</dd>
        {run.finished_at && (
          <>
            <dt>Finished</dt>
            <dd>{when(run.finished_at)}</dd>
          </>
        )}
      </dl>
    </RunCard>
  );
}

function PastRuns({ round }: { round: number }) {
  const { api } = useApp();
  const runs = useLoad(() => must(api.GET("/admin/invoice-runs")), [round]);
  return (
    <section class="card" aria-labelledby="past-runs-title">
      <h2 id="past-runs-title">Past invoice runs</h2>
      <Show load={runs} what="Loading runs">
        {(page) => page.items.length === 0 ? <Empty>No invoice run yet.</Empty> : (
          <RunsTable label="Past invoice runs" rows={page.items} rowKey={(r) => r.run_id} columns={COLUMNS} />
        )}
      </Show>
    </section>
  );
}
