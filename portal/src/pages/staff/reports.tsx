// Reports: the year at a glance (counts by status as a chart, dues invoiced,
// collected and outstanding, CEC completion), and renewals by status and
// affiliate with a CSV download.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { ApiError, must, saveFile, type Schemas } from "../../api/client";
import { ExportOffer } from "../../ui/export";
import { money, seasonYear } from "../../ui/format";
import { SelectField, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, usePaged, useSubmit } from "../../ui/hooks";
import { Failed, Show } from "../../ui/states";
import { RENEWAL_STATUSES, RenewalsTable, statusChoices } from "../../ui/renewals-table";
import { renewalStatus, word } from "../../ui/words";

export function Reports() {
  usePageTitle("Reports");
  const { today } = useApp();
  const start = useLoad(async () => seasonYear(await today()));
  const [year, setYear] = useState<string>();
  const shown = year ?? (start.data ? String(start.data) : "");
  return (
    <>
      <h1>Reports</h1>
      <TextField name="report-year" label="Renewal year" type="number" class="short" value={shown} onValue={setYear} />
      {Number(shown) >= 2000 && (
        <>
          <Summary year={Number(shown)} />
          <Renewals year={Number(shown)} />
        </>
      )}
    </>
  );
}

function Summary({ year }: { year: number }) {
  const { api } = useApp();
  const summary = useLoad(() => must(api.GET("/admin/summary", { params: { query: { renewal_year: year } } })), [year]);
  return (
    <section class="card" aria-labelledby="summary-title">
      <h2 id="summary-title">{year} at a glance</h2>
      <Show load={summary} what="Loading the summary">{(s) => <SummaryView summary={s} />}</Show>
    </section>
  );
}

function SummaryView({ summary: s }: { summary: Schemas["Summary"] }) {
  const counts = RENEWAL_STATUSES.map((status) => [status, s.by_status[status] ?? 0] as const);
  const most = Math.max(1, ...counts.map(([, n]) => n));
  return (
    <div class="grid-2">
      <figure class="chart">
        <figcaption>Renewals by status ({s.members_invoiced} members invoiced)</figcaption>
        <table class="bar-chart">
          <tbody>
            {counts.map(([status, n]) => (
              <tr key={status}>
                <th scope="row">{word(renewalStatus, status)}</th>
                <td>
                  <span class={`chart-bar chart-${status}`} style={{ width: `${(100 * n) / most}%` }} />
                  <span class="chart-value">{n}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </figure>
      <dl class="facts big">
        <dt>Dues invoiced</dt>
        <dd>{money(s.dues_invoiced_cents)}</dd>
        <dt>Collected</dt>
        <dd>{money(s.dues_collected_cents)}</dd>
        <dt>Outstanding</dt>
        <dd>{money(s.dues_outstanding_cents)}</dd>
        <dt>CECs complete</dt>
        <dd>
          {s.cec_complete} ({Math.round(s.cec_completion_rate * 100)}%)
        </dd>
      </dl>
    </div>
  );
}

function Renewals({ year }: { year: number }) {
  const { api } = useApp();
  const [status, setStatus] = useState("lapsed");
  const [affiliateInput, setAffiliate] = useState("");
  // Affiliate codes are upper case (AASC); a code typed in lower case means the same office.
  const affiliate = affiliateInput.trim().toUpperCase();
  const query = { renewal_year: year, status: status || null, affiliate: affiliate || null };
  const renewals = usePaged((next_token) =>
    must(api.GET("/admin/renewals", { params: { query: { ...query, next_token } } })) as Promise<Schemas["RenewalReport"]>,
  [year, status, affiliate]);
  const download = useSubmit();
  const [tooBig, setTooBig] = useState(false);
  const csv = () =>
    void download.run(async () => {
      setTooBig(false);
      try {
        await saveFile(api.GET("/admin/renewals", { params: { query }, headers: { Accept: "text/csv" }, parseAs: "blob" }) as never,
        `renewals-${year}${status ? `-${status}` : ""}${affiliate ? `-${affiliate}` : ""}.csv`);
      } catch (error) {
        if (error instanceof ApiError && error.code === "export_required") setTooBig(true);
        else throw error;
      }
    });
  return (
    <section class="card" aria-labelledby="renewals-title">
      <div class="card-header">
        <h2 id="renewals-title">Renewals</h2>
        <button type="button" class="outline" onClick={csv} disabled={download.busy}>
          Download CSV{status ? ` (${word(renewalStatus, status).toLowerCase()})` : ""}
        </button>
      </div>
      <SelectField name="status" label="Status" value={status} onValue={setStatus} options={statusChoices} />
      <TextField name="affiliate" label="Affiliate" class="short" hint="An affiliate's code, for example AASC; empty for every affiliate." value={affiliateInput} onValue={setAffiliate} />
      {download.error && <Failed error={download.error} />}
      {tooBig && <ExportOffer year={year} status={(status || null) as Schemas["ExportIn"]["status"]} affiliate={affiliate || null} />}
      <RenewalsTable rows={renewals} label={`Renewals of ${year}`} affiliate memberHref={(id) => `/staff/members/${id}`}
        empty={affiliate ? `No renewals of ${affiliate}'s members with this status.` : "No renewals with this status."} />
    </section>
  );
}
