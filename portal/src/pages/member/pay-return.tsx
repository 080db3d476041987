// Where Checkout sends the member back. Coming back says nothing about
// payment: the page waits until the API has recorded the processor's signed
// notice (it polls the invoice) and only then says "paid".
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { money, when } from "../../ui/format";
import { usePageTitle, usePoll } from "../../ui/hooks";

const EVERY_MS = 1500;
const PATIENCE_MS = 120_000;

export function PayReturn({ invoiceId }: { invoiceId: string }) {
  const { query } = useLocation();
  const cancelled = Boolean(query.cancelled);
  usePageTitle(cancelled ? "Payment cancelled" : "Confirming your payment");
  const { api } = useApp();
  const [invoice, setInvoice] = useState<Schemas["Invoice"]>();
  const [started] = useState(Date.now());
  const [gaveUp, setGaveUp] = useState(false);
  const paid = invoice?.status === "paid";

  usePoll(async () => {
    const current = await must(api.GET("/me/invoices/{invoice_id}", { params: { path: { invoice_id: invoiceId } } }));
    setInvoice(current);
    if (current.status === "paid") return true;
    if (Date.now() - started > PATIENCE_MS) {
      setGaveUp(true);
      return true;
    }
    return false;
  }, EVERY_MS, !cancelled);

  if (cancelled) {
    return (
      <section class="narrow">
        <h1>Payment cancelled</h1>
        <p>Nothing was charged. Your invoice is still open.</p>
        <p>
          <a href={`/pay/${encodeURIComponent(invoiceId)}`} class="button">
            Back to your invoice
          </a>
        </p>
      </section>
    );
  }
  return (
    <section class="narrow">
      <h1>{paid ? "Payment received" : "Confirming your payment"}</h1>
      <div role="status" aria-live="polite">
        {paid ? (
          <p class="notice notice-success">
            Thank you: {money(invoice!.amount_paid_cents, invoice!.currency)} paid for {invoice!.renewal_year}
            {invoice!.paid_at ? ` on ${when(invoice!.paid_at)}` : ""}. A receipt is on its way by e-mail.
          </p>
        ) : gaveUp ? (
          <p class="notice">
            The card processor has not confirmed your payment yet. You do not need to pay again: your dashboard shows "paid" as
            soon as the confirmation arrives, and you will get an e-mail receipt.
          </p>
        ) : (
          <p aria-busy="true">Waiting for the card processor to confirm your payment. This usually takes a few seconds.</p>
        )}
      </div>
      <p>
        <a href="/" class="button">
          Go to your dashboard
        </a>
      </p>
    </section>
  );
}
