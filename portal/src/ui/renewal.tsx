// Pieces of a renewal that several pages show: the CEC progress bar and an
// invoice's lines.
import type { Schemas } from "../api/client";
import { cecs, money } from "./format";
import { Badge, TableScroll } from "./states";
import { renewalStatus, word } from "./words";

type Progress = Schemas["CecProgress"];

/** Approved, in review and still outstanding, as one bar with its numbers beside it. */
export function CecBar({ cec }: { cec: Progress }) {
  if (cec.waived) return <p class="cec-waived">CECs are waived for this renewal year.</p>;
  const required = cec.required;
  if (required === 0) return <p>No CECs are required for this renewal year.</p>;
  const missing = Math.max(0, required - cec.approved - cec.in_review);
  const scale = Math.max(required, cec.approved + cec.in_review);
  const width = (value: number) => `${(100 * value) / scale}%`;
  const summary = `${cec.approved} of ${required} CECs approved, ${cec.in_review} in review, ${missing} not yet reported`;
  return (
    <div class="cec-progress">
      <div class="bar" role="img" aria-label={summary}>
        {cec.approved > 0 && <span class="bar-approved" style={{ width: width(cec.approved) }} />}
        {cec.in_review > 0 && <span class="bar-review" style={{ width: width(cec.in_review) }} />}
        {missing > 0 && <span class="bar-missing" style={{ width: width(missing) }} />}
      </div>
      <ul class="legend">
        <li>
          <span class="key key-approved" aria-hidden="true" />
          Approved: <strong>{cecs(cec.approved)}</strong> of {required}
        </li>
        <li>
          <span class="key key-review" aria-hidden="true" />
          In review: <strong>{cecs(cec.in_review)}</strong>
        </li>
        <li>
          <span class="key key-missing" aria-hidden="true" />
          Still to report: <strong>{cecs(missing)}</strong>
        </li>
        {cec.in_network_required > 0 && (
          <li>
            In-network (affiliate classes, the conference, approved online courses):{" "}
            <strong>{cecs(cec.approved_in_network)}</strong> of {cec.in_network_required} approved
            {cec.outstanding_in_network > 0 ? `, ${cecs(cec.outstanding_in_network)} not yet approved` : ""}
          </li>
        )}
      </ul>
    </div>
  );
}

interface Line {
  code: string;
  description: string;
  amount_cents: number;
  void?: boolean;
  void_reason?: string | null;
}

/** The invoice's lines and totals; a line that no longer applies is shown struck through with its reason. */
export function InvoiceLines({ invoice }: { invoice: Schemas["Invoice"] }) {
  const lines = invoice.lines as Line[];
  return (
    <TableScroll label={`Invoice ${invoice.invoice_id}`}>
      <table class="invoice-lines">
        <caption class="visually-hidden">Invoice {invoice.invoice_id}</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" class="amount">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, index) => (
            <tr key={`${line.code}-${index}`} class={line.void ? "void" : undefined}>
              <td>
                {line.void ? <s>{line.description}</s> : line.description}
                {line.code === "REINSTATEMENT" && !line.void && <small class="hint"> (renewed after the grace period)</small>}
                {line.void && <small class="hint"> No longer owed{line.void_reason ? `: ${line.void_reason}` : ""}</small>}
              </td>
              <td class="amount">{line.void ? <s>{money(line.amount_cents, invoice.currency)}</s> : money(line.amount_cents, invoice.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td class="amount">{money(invoice.total_cents, invoice.currency)}</td>
          </tr>
          {invoice.amount_paid_cents > 0 && (
            <tr>
              <th scope="row">Paid</th>
              <td class="amount">{money(invoice.amount_paid_cents, invoice.currency)}</td>
            </tr>
          )}
          <tr class="due">
            <th scope="row">Amount due</th>
            <td class="amount">{money(invoice.amount_due_cents, invoice.currency)}</td>
          </tr>
        </tfoot>
      </table>
    </TableScroll>
  );
}

/** A renewal's status in words, coloured by what it asks of someone: lapsed and grace need chasing, renewed and waived are done. */
export function RenewalBadge({ status }: { status: string }) {
  const tone = status === "lapsed" ? "bad" : status === "grace" ? "warn" : status === "renewed" || status === "waived" ? "good" : "info";
  return <Badge tone={tone}>{word(renewalStatus, status)}</Badge>;
}
