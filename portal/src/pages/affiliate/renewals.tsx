// The office's members' renewals for a year, by status (the ones in grace are
// the ones to chase), with a CSV download.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, saveFile, type Schemas } from "../../api/client";
import { seasonYear } from "../../ui/format";
import { SelectField, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, usePaged, useSubmit } from "../../ui/hooks";
import { Failed } from "../../ui/states";
import { RenewalsTable, statusChoices } from "../../ui/renewals-table";
import { renewalStatus, word } from "../../ui/words";

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
          options={statusChoices} />
      </div>
      <p>
        <button type="button" class="outline" onClick={csv} disabled={download.busy || !valid}>
          Download CSV{status ? ` (${word(renewalStatus, status).toLowerCase()})` : ""}
        </button>
      </p>
      {download.error && <Failed error={download.error} />}
      <RenewalsTable rows={rows} label={`Renewals of ${year}`} empty="No renewals with this status." />
    </>
  );
}
