// A member's invoices, newest year first, each with its lines (voided ones
// struck through with their reason) and the payments recorded against it, as
// staff need them when a member calls about a check or a charge.
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { day, money } from "../../ui/format";
import { usePaged } from "../../ui/hooks";
import { InvoiceLines } from "../../ui/renewal";
import { Badge, Empty, Failed, Show, TableScroll } from "../../ui/states";
import { invoiceStatus, paymentMethods, word } from "../../ui/words";

type Invoice = Schemas["Invoice"];

export function MemberInvoices({ memberId, round }: { memberId: string; round: number }) {
  const { api } = useApp();
  const invoices = usePaged((next_token) =>
    must(api.GET("/admin/members/{member_id}/invoices", { params: { path: { member_id: memberId }, query: { next_token } } })),
  [memberId, round]);
  return (
    <section class="card" aria-labelledby="invoices-title">
      <h2 id="invoices-title">Invoices and payments</h2>
      <Show load={invoices.first} what="Loading invoices">
        {() => invoices.items.length === 0 ? <Empty>No invoice yet: the year's invoice run makes them.</Empty> : (
          <ul class="form-list">{invoices.items.map((inv) => <InvoiceItem key={inv.invoice_id} invoice={inv} />)}</ul>
        )}
      </Show>
      {invoices.error && <Failed error={invoices.error} />}
      {invoices.hasMore && <button type="button" class="outline" onClick={invoices.showMore} disabled={invoices.busy}>Show older invoices</button>}
    </section>
  );
}

function InvoiceItem({ invoice: inv }: { invoice: Invoice }) {
  const id = `invoice-${inv.invoice_id}`;
  const feeOwed = inv.status === "open" && inv.lines.some((l) => l.code === "REINSTATEMENT" && !l.void);
  return (
    <li>
      <article aria-labelledby={id}>
        <div class="card-header">
          <h3 id={id} class="h3">{inv.renewal_year} · <span class="mono">{inv.invoice_id}</span></h3>
          <Badge tone={inv.status === "paid" ? "good" : inv.status === "open" ? "info" : inv.status === "disputed" ? "bad" : "neutral"}>
            {word(invoiceStatus, inv.status)}
          </Badge>
        </div>
        <p class="hint">Issued {day(inv.issued_at, "short")}, due {day(inv.due_date, "short")}{inv.paid_at ? `, paid ${day(inv.paid_at, "short")}` : ""}.</p>
        <InvoiceLines invoice={inv} />
        {inv.payments.length === 0 ? <p class="hint">No payment recorded.</p> : <Payments invoice={inv} />}
        {inv.status === "open" && inv.amount_due_cents > 0 && (
          <div class="actions">
            <a href={`/staff/payments?invoice=${encodeURIComponent(inv.invoice_id)}`}>Record a mail or fax payment<span class="visually-hidden"> for {inv.invoice_id}</span></a>
            {feeOwed && (
              <a href={`/staff/payments?fee=${encodeURIComponent(inv.invoice_id)}#fee-title`}>Waive the reinstatement fee<span class="visually-hidden"> of {inv.invoice_id}</span></a>
            )}
          </div>
        )}
      </article>
    </li>
  );
}

function Payments({ invoice: inv }: { invoice: Invoice }) {
  return (
    <TableScroll label={`Payments of ${inv.invoice_id}`}>
      <table>
        <caption class="visually-hidden">Payments of {inv.invoice_id}</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Paid by</th>
            <th scope="col">Reference</th>
            <th scope="col" class="amount">Amount</th>
          </tr>
        </thead>
        <tbody>
          {inv.payments.map((p) => (
            <tr key={p.payment_id}>
              <td class="nowrap">{day(p.received_at, "short")}</td>
              <td>{word(paymentMethods, p.method)}</td>
              <td class="mono">{p.reference ?? ""}</td>
              <td class="amount">{money(p.amount_cents, p.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
