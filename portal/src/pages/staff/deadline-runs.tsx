// Deadline runs: the daily run that writes reinstatement fees and sends the
// notices (grace started, lapsed, due soon), each once. Start today's here
// and watch it; past runs below. (Statuses never wait for it: they follow the
// dates whenever they are read.)
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { day, when } from "../../ui/format";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { RunBar, RunCard, RunsTable, useRun, type Column } from "../../ui/runs";
import { RunBadge, Empty, Failed, Show } from "../../ui/states";

const COLUMNS: Column<Schemas["DeadlineRun"]>[] = [
  { label: "As of", cell: (r) => day(r.as_of, "short"), kind: "nowrap" },
  { label: "Status", cell: (r) => <RunBadge status={r.status} /> },
  { label: "Seen", cell: (r) => r.renewals_seen, kind: "amount" },
  { label: "Lapsed", cell: (r) => r.lapsed, kind: "amount" },
  { label: "Fees", cell: (r) => r.reinstatement_fees_added, kind: "amount" },
  { label: "Notices", cell: (r) => r.reminders_sent, kind: "amount" },
  { label: "Failed", cell: (r) => r.failed, kind: "amount" },
];

export function DeadlineRuns() {
  usePageTitle("Deadline runs");
  const { api } = useApp();
  const past = useLoad(() => must(api.GET("/admin/deadline-runs")));
  const [started, setStarted] = useState<string>();
  const start = useSubmit();
  const run = () =>
    void start.run(async () => {
      const begun = await must(api.POST("/admin/deadline-runs"));
      setStarted(begun.run_id);
    });
  return (
    <>
      <h1>Deadline runs</h1>
      <p class="lead">
        Every day the deadline run writes the reinstatement fee on unpaid invoices past grace and sends each renewal's notice once.
        Statuses never wait for it.
      </p>
      {start.error && <Failed error={start.error} />}
      <p>
        <button type="button" onClick={run} disabled={start.busy}>Start today's deadline run</button>
      </p>
      {started && <DeadlineProgress runId={started} onDone={past.reload} />}
      <section class="card" aria-labelledby="past-deadline-runs">
        <h2 id="past-deadline-runs">Past deadline runs</h2>
        <Show load={past} what="Loading runs">
          {(page) => page.items.length === 0 ? <Empty>No deadline run yet.</Empty> : (
            <RunsTable label="Past deadline runs" rows={page.items} rowKey={(r) => r.run_id} columns={COLUMNS} />
          )}
        </Show>
      </section>
    </>
  );
}

function DeadlineProgress({ runId, onDone }: { runId: string; onDone: () => void }) {
  const { api } = useApp();
  const run = useRun(() => must(api.GET("/admin/deadline-runs/{run_id}", { params: { path: { run_id: runId } } })), onDone);
  if (!run) return <p aria-busy="true">Starting…</p>;
  const finished = run.status !== "running";
  return (
    <RunCard id="deadline-progress" level={2} title={`Deadline run as of ${day(run.as_of)}`} status={run.status}>
      <RunBar id="deadline-bar" finished={finished}
        label={finished ? `${run.renewals_seen} renewals checked` : `${run.renewals_seen} renewals checked so far`} />
      <p aria-live="polite">
        {run.lapsed} lapsed, {run.reinstatement_fees_added} reinstatement fees added, {run.reminders_sent} notices sent, {run.failed} failed.
        {run.finished_at ? ` Finished ${when(run.finished_at)}.` : ""}
      </p>
    </RunCard>
  );
}
