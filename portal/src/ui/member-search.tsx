// Finding members by name, e-mail or id as you type: an affiliate office among
// its own members (GET /affiliate/members), institute staff among all
// (GET /admin/members). The results are a list of choices.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../app-context";
import { ApiError, must, type Schemas } from "../api/client";
import { fieldId } from "./forms";

export type MemberRow = Schemas["MemberSummary"];

export function useMemberSearch(scope: "affiliate" | "staff", query: string) {
  const { api } = useApp();
  const [state, setState] = useState<{ rows: MemberRow[]; busy: boolean; error?: ApiError }>({ rows: [], busy: false });
  useEffect(() => {
    const q = query.trim();
    if (q.replace(/[^\p{L}\p{N}@]/gu, "").length < 2) {
      setState({ rows: [], busy: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, busy: true }));
    const timer = window.setTimeout(async () => {
      try {
        const page = scope === "affiliate"
          ? await must(api.GET("/affiliate/members", { params: { query: { q, limit: 20 } } }))
          : await must(api.GET("/admin/members", { params: { query: { q, limit: 20 } } }));
        if (live) setState({ rows: page.items, busy: false });
      } catch (error) {
        if (live) setState({ rows: [], busy: false, error: error instanceof ApiError ? error : undefined });
      }
    }, 250); // wait for a pause in typing
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [scope, query]);
  return state;
}

/** A search box and its results; `action` renders what each result offers (add, open). */
export function MemberSearch({ scope, label, action, hint }: {
  scope: "affiliate" | "staff";
  label: string;
  hint?: string;
  action: (row: MemberRow) => ComponentChildren;
}) {
  const [query, setQuery] = useState("");
  const found = useMemberSearch(scope, query);
  const id = fieldId("member-search");
  const short = query.trim().length > 0 && query.trim().length < 2;
  return (
    <div class="member-search">
      <label for={id}>{label}</label>
      <small id={`${id}-hint`} class="hint">{hint ?? "At least two letters: a first or last name, an e-mail or a member id."}</small>
      <input id={id} type="search" value={query} autocomplete="off" aria-describedby={`${id}-hint`}
        onInput={(event) => setQuery((event.currentTarget as HTMLInputElement).value)} />
      <div role="status" aria-live="polite" class="search-status">
        {found.busy ? "Searching…" : short ? "Type at least two letters." : query.trim() && !found.error
          ? `${found.rows.length === 20 ? "20 or more" : found.rows.length} ${found.rows.length === 1 ? "member" : "members"} found`
          : ""}
        {found.error && <span class="field-message">{found.error.message}</span>}
      </div>
      {found.rows.length > 0 && (
        <ul class="search-results" aria-label="Members found">
          {found.rows.map((row) => (
            <li key={row.member_id}>
              <span>
                <strong>{row.name}</strong> <span class="mono">{row.member_id}</span>
                <br />
                <small class="hint">
                  {[row.email, row.affiliate, row.credentials.join(", ")].filter(Boolean).join(" · ")}
                </small>
              </span>
              {action(row)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
