// Renewals by status, as the affiliate office and institute staff list them:
// one row a member, a page at a time. On a phone each row stands as a card of
// its own, every value beside its column's name, so nothing needs a sideways
// scroll; from a tablet's width up it is an ordinary table.
import type { Schemas } from "../api/client";
import { money } from "./format";
import type { Paged } from "./hooks";
import { RenewalBadge } from "./renewal";
import { Empty, Failed, LabelledCell, Show, TableScroll } from "./states";
import { renewalStatus, word } from "./words";

type Row = Schemas["RenewalRow"];

/** The statuses a report can be narrowed to, as a select's choices (with "every status" first). */
export const RENEWAL_STATUSES = ["open", "grace", "lapsed", "renewed", "waived"];
export const statusChoices: [string, string][] = [["", "Every status"],
  ...RENEWAL_STATUSES.map((s): [string, string] => [s, word(renewalStatus, s)])];

export function RenewalsTable({ rows, label, empty, affiliate = false, memberHref }: {
  rows: Paged<Row>;
  /** The table's name ("Renewals of 2031"). */
  label: string;
  empty: string;
  /** With each member's affiliate (staff see every office's members). */
  affiliate?: boolean;
  /** A link to the member's record, where the reader may open it. */
  memberHref?: (memberId: string) => string;
}) {
  return (
    <>
      <Show load={rows.first} what="Loading renewals">
        {() => rows.items.length === 0 ? <Empty>{empty}</Empty> : (
          <TableScroll label={label}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  {affiliate && <th scope="col">Affiliate</th>}
                  <th scope="col">Status</th>
                  <th scope="col">Paid</th>
                  <th scope="col">CECs</th>
                  <th scope="col" class="amount">Due</th>
                </tr>
              </thead>
              <tbody>
                {rows.items.map((r) => (
                  <tr key={r.member_id}>
                    <td class="stack-title">
                      {memberHref ? <a href={memberHref(r.member_id)}>{r.name}</a> : r.name} <span class="mono hint">{r.member_id}</span>
                    </td>
                    {affiliate && <LabelledCell label="Affiliate">{r.affiliate ?? ""}</LabelledCell>}
                    <LabelledCell label="Status"><RenewalBadge status={r.status} /></LabelledCell>
                    <LabelledCell label="Paid">{r.paid ? "Yes" : "No"}</LabelledCell>
                    <LabelledCell label="CECs">{r.cec_complete ? "Complete" : "Missing"}</LabelledCell>
                    <LabelledCell label="Due" class="amount">{money(r.amount_due_cents)}</LabelledCell>
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
