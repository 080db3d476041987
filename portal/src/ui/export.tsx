// A report too large for a direct download (413 export_required) becomes an
// export: written to storage in the background, then a link valid for a while.
import { useState } from "preact/hooks";
import { useApp } from "../app-context";
import { must, type Schemas } from "../api/client";
import { when } from "./format";
import { usePoll, useSubmit } from "./hooks";
import { Failed } from "./states";

type Export = Schemas["Export"];
type Status = Schemas["ExportIn"]["status"];

export function ExportOffer({ year, status, affiliate }: { year: number; status: Status; affiliate?: string | null }) {
  const { api } = useApp();
  const [exportId, setExportId] = useState<string>();
  const [result, setResult] = useState<Export>();
  const start = useSubmit();
  usePoll(async () => {
    const current = await must(api.GET("/admin/exports/{export_id}", { params: { path: { export_id: exportId! } } }));
    setResult(current);
    return current.status !== "running";
  }, 1500, !!exportId);
  const begin = () =>
    void start.run(async () => {
      const begun = await must(api.POST("/admin/exports", {
        body: { report: "renewals", renewal_year: year, status, affiliate: affiliate ?? null },
      }));
      setExportId(begun.export_id);
    });
  return (
    <div class="notice" role="status">
      {!exportId && (
        <>
          <p>This report has too many rows for a direct download. An export writes the whole file in the background.</p>
          <button type="button" onClick={begin} disabled={start.busy}>Start an export</button>
        </>
      )}
      {exportId && (!result || result.status === "running") && <p aria-busy="true">Writing the export…</p>}
      {result?.status === "completed" && result.download_url && (
        <p>
          <a href={result.download_url}>Download the export ({result.rows} rows)</a>
          {result.expires_at ? ` · the link works until ${when(result.expires_at)}` : ""}
        </p>
      )}
      {result?.status === "failed" && <p>The export failed. Try again in a moment.</p>}
      {start.error && <Failed error={start.error} />}
    </div>
  );
}
