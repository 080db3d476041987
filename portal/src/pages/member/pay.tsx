// Paying an invoice: its lines, then Stripe Checkout (hosted by Stripe; the
// local stack's own checkout page locally). Nothing here marks anything paid:
// only the payment processor's signed notice to the API does.
import { useApp } from "../../app-context";
import { must } from "../../api/client";
import { day, money, when } from "../../ui/format";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { InvoiceLines } from "../../ui/renewal";
import { Badge, Failed, Show } from "../../ui/states";
import { invoiceStatus, word } from "../../ui/words";

export function Pay({ invoiceId }: { invoiceId: string }) {
  usePageTitle("Pay your invoice");
  const { api } = useApp();
  const invoice = useLoad(() => must(api.GET("/me/invoices/{invoice_id}", { params: { path: { invoice_id: invoiceId } } })),
    [invoiceId]);
  const checkout = useSubmit();

  const pay = () =>
    void checkout.run(async () => {
      const back = `${window.location.origin}/pay/${encodeURIComponent(invoiceId)}/done`;
      const session = await must(api.POST("/me/invoices/{invoice_id}/checkout", {
        params: { path: { invoice_id: invoiceId } },
        body: { success_url: back, cancel_url: `${back}?cancelled=1` },
      }));
      window.location.assign(session.checkout_url);
    });

  return (
    <>
      <p>
        <a href="/">← Back to your dashboard</a>
      </p>
      <Show load={invoice} what="Loading your invoice">
        {(inv) => (
          <>
            <h1>Your {inv.renewal_year} renewal invoice</h1>
            <p>
              <Badge tone={inv.status === "paid" ? "good" : inv.status === "open" ? "warn" : "neutral"}>
                {word(invoiceStatus, inv.status)}
              </Badge>{" "}
              Issued {when(inv.issued_at)} · due {day(inv.due_date)}
            </p>
            <InvoiceLines invoice={inv} />
            <p class="hint">
              Your invoice covers every credential that renews this year; you report {inv.cec_required} CECs in all
              {inv.in_network_required ? `, ${inv.in_network_required} of them in-network` : ""}.
            </p>
            {inv.status === "open" && inv.amount_due_cents > 0 ? (
              <>
                {checkout.error && <Failed error={checkout.error} />}
                <p>
                  <button type="button" onClick={pay} aria-busy={checkout.busy ? "true" : undefined} disabled={checkout.busy}>
                    {checkout.busy ? "Opening the secure payment page…" : `Pay ${money(inv.amount_due_cents, inv.currency)} by card`}
                  </button>
                </p>
                <p class="hint">
                  You pay on Stripe's secure page with a credit or debit card; we never see your card number. Renewing by mail or
                  fax? Send a check or money order with your member id ({inv.member_id}) to your affiliate office.
                </p>
              </>
            ) : inv.status === "paid" ? (
              <p>This invoice is paid{inv.paid_at ? ` (${when(inv.paid_at)})` : ""}. Thank you.</p>
            ) : (
              <p>This invoice cannot be paid online ({word(invoiceStatus, inv.status).toLowerCase()}). Contact your affiliate office.</p>
            )}
          </>
        )}
      </Show>
    </>
  );
}
