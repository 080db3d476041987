// Deadline runs: the daily run that writes reinstatement fees and sends the
// notices (grace started, lapsed, due soon), each once. Start today's here
// and watch it; past runs below. (Statuses never wait for it: they follow the
// dates whenever they are read.)
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { day, when } from "../../ui/format";
import { usePageTitle, useLoad, usePoll, useSubmit } from "../../ui/hooks";
import { RunBadge, Empty, Failed, Show, TableScroll } from "../../ui/states";

type DeadlineRun = Schemas["DeadlineRun"];

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
            <TableScroll label="Past deadline runs">
              <table class="counts">
                <thead>
                  <tr>
                    <th scope="col">As of</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="amount">Seen</th>
                    <th scope="col" class="amount">Lapsed</th>
                    <th scope="col" class="amount">Fees</th>
                    <th scope="col" class="amount">Notices</th>
                    <th scope="col" class="amount">Failed</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((r: DeadlineRun) => (
                    <tr key={r.run_id}>
                      <td class="nowrap">{day(r.as_of, "short")}</td>
                      <td><RunBadge status={r.status} /></td>
                      <td class="amount">{r.renewals_seen}</td>
                      <td class="amount">{r.lapsed}</td>
                      <td class="amount">{r.reinstatement_fees_added}</td>
                      <td class="amount">{r.reminders_sent}</td>
                      <td class="amount">{r.failed}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </Show>
      </section>
    </>
  );
}

function DeadlineProgress({ runId, onDone }: { runId: string; onDone: () => void }) {
  const { api } = useApp();
  const [run, setRun] = useState<DeadlineRun>();
  usePoll(async () => {
    const current = await must(api.GET("/admin/deadline-runs/{run_id}", { params: { path: { run_id: runId } } }));
    setRun(current);
    if (current.status !== "running") onDone();
    return current.status !== "running";
  }, 1000, true);
  if (!run) return <p aria-busy="true">Starting…</p>;
  const finished = run.status !== "running";
  return (
    <article class="card" aria-labelledby="deadline-progress">
      <div class="card-header">
        <h2 id="deadline-progress" class="h3">Deadline run as of {day(run.as_of)}</h2>
        <RunBadge status={run.status} />
      </div>
      <label for="deadline-bar">{finished ? `${run.renewals_seen} renewals checked` : `${run.renewals_seen} renewals checked so far`}</label>
      {finished ? <progress id="deadline-bar" max={1} value={1} /> : <progress id="deadline-bar" />}
      <p aria-live="polite">
        {run.lapsed} lapsed, {run.reinstatement_fees_added} reinstatement fees added, {run.reminders_sent} notices sent, {run.failed} failed.
        {run.finished_at ? ` Finished ${when(run.finished_at)}.` : ""}
      </p>
    </article>
  );
}
