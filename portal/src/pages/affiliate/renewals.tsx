// The office's members' renewals for a year, by status (the ones in grace are
// the ones to chase), with a CSV download.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, saveFile, type Schemas } from "../../api/client";
import { money, seasonYear } from "../../ui/format";
import { SelectField, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, usePaged, useSubmit } from "../../ui/hooks";
import { Empty, Failed, Show, TableScroll } from "../../ui/states";
import { RenewalBadge } from "../../ui/renewal";
import { renewalStatus, word } from "../../ui/words";

const STATUSES = ["open", "grace", "lapsed", "renewed", "waived"];

export function OfficeRenewals() {
  usePageTitle("Our members' renewals");
  const { api, today } = useApp();
  const start = useLoad(async () => seasonYear(await today()));
  const [typed, setTyped] = useState<string>();
  const [status, setStatus] = useState("grace");
  const year = Number(typed ?? start.data ?? 0);
  const valid = year >= 2000 && year <= 2100;
  const query = { renewal_year: year, status: status || null };
  const rows = usePaged(async (next_token) => (valid
    ? must(api.GET("/affiliate/renewals", { params: { query: { ...query, next_token } } })) as Promise<Schemas["RenewalReport"]>
    : { items: [] }), [year, status]);
  const download = useSubmit();
  const csv = () =>
    void download.run(() =>
      saveFile(api.GET("/affiliate/renewals", { params: { query }, headers: { Accept: "text/csv" }, parseAs: "blob" }) as never,
        `renewals-${year}${status ? `-${status}` : ""}.csv`));
  return (
    <>
      <h1>Our members' renewals</h1>
      <p class="lead">Your members' renewals for a year. Those in grace still have time: a call now saves them the reinstatement fee.</p>
      <div class="grid-2 tight">
        <TextField name="renewal_year" label="Renewal year" type="number" class="short" value={typed ?? String(start.data ?? "")} onValue={setTyped} />
        <SelectField name="status" label="Status" value={status} onValue={setStatus}
          options={[["", "Every status"], ...STATUSES.map((s) => [s, word(renewalStatus, s)] as [string, string])]} />
      </div>
      <p>
        <button type="button" class="outline" onClick={csv} disabled={download.busy || !valid}>
          Download CSV{status ? ` (${word(renewalStatus, status).toLowerCase()})` : ""}
        </button>
      </p>
      {download.error && <Failed error={download.error} />}
      <Show load={rows.first} what="Loading renewals">
        {() => rows.items.length === 0 ? <Empty>No renewals with this status.</Empty> : (
          <TableScroll label={`Renewals of ${year}`}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Status</th>
                  <th scope="col">Paid</th>
                  <th scope="col">CECs</th>
                  <th scope="col" class="amount">Due</th>
                </tr>
              </thead>
              <tbody>
                {rows.items.map((r) => (
                  <tr key={r.member_id}>
                    <td>{r.name} <span class="mono hint">{r.member_id}</span></td>
                    <td><RenewalBadge status={r.status} /></td>
                    <td>{r.paid ? "Yes" : "No"}</td>
                    <td>{r.cec_complete ? "Complete" : "Missing"}</td>
                    <td class="amount">{money(r.amount_due_cents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Show>
      {rows.error && <Failed error={rows.error} />}
      {rows.hasMore && <button type="button" class="outline" onClick={rows.showMore} disabled={rows.busy}>Show more</button>}
    </>
  );
}
