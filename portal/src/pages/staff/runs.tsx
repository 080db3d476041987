// Invoice runs: start one for a year and watch it, its counts arriving as the
// batches finish. (Running a year again is safe: it invoices only members who
// have no invoice for the year.)
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { when, seasonYear } from "../../ui/format";
import { ErrorSummary, SubmitButton, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, usePoll, useSubmit } from "../../ui/hooks";
import { RunBadge, Empty, Show, TableScroll } from "../../ui/states";

type Run = Schemas["InvoiceRun"];

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
  const [run, setRun] = useState<Run>();
  usePoll(async () => {
    const current = await must(api.GET("/admin/invoice-runs/{run_id}", { params: { path: { run_id: runId } } }));
    setRun(current);
    if (current.status !== "running") onDone?.();
    return current.status !== "running";
  }, 1000, true);
  if (!run) return <p aria-busy="true">Starting run {runId}…</p>;
  const done = run.invoices_created + run.already_invoiced + run.not_required + run.failed;
  const finished = run.status !== "running";
  const total = Math.max(run.members_seen, done, 1);
  const id = `run-${runId}`;
  return (
    <article class="card run" aria-labelledby={id}>
      <div class="card-header">
        <h3 id={id}>{run.renewal_year} invoice run</h3>
        <RunBadge status={run.status} />
      </div>
      <label for={`${id}-bar`}>
        {finished ? `${done} of ${run.members_seen} members done` : `${done} of ${run.members_seen} members seen so far`}
      </label>
      <progress id={`${id}-bar`} max={total} value={finished ? total : done} />
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
    </article>
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
          <TableScroll label="Past invoice runs">
            <table class="counts">
              <thead>
                <tr>
                  <th scope="col">Year</th>
                  <th scope="col">Started</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="amount">Created</th>
                  <th scope="col" class="amount">Already</th>
                  <th scope="col" class="amount">Not owed</th>
                  <th scope="col" class="amount">Failed</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((r) => (
                  <tr key={r.run_id}>
                    <td>{r.renewal_year}</td>
                    <td class="nowrap">{when(r.started_at)}</td>
                    <td><RunBadge status={r.status} /></td>
                    <td class="amount">{r.invoices_created}</td>
                    <td class="amount">{r.already_invoiced}</td>
                    <td class="amount">{r.not_required}</td>
                    <td class="amount">{r.failed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Show>
    </section>
  );
}
