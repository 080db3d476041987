// Mail and fax renewals: record a check, money order or card taken by phone
// against an invoice (the amount owed as of the day it was received), and the
// payments that need a person (amount mismatch, second payment, dispute).
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { ApiError, must, type Schemas } from "../../api/client";
import { centsOf, money, when } from "../../ui/format";
import { ErrorSummary, Saved, SelectField, SubmitButton, TextArea, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { Empty, Show, TableScroll } from "../../ui/states";
import { useMemberName } from "../../ui/member-name";
import { invoiceStatus, paymentMethods, word } from "../../ui/words";

// Staff record the ways a payment comes by post, fax or phone; a card online comes through checkout.
const METHODS = (["check", "money_order", "card_by_phone"] as const).map((m): [string, string] => [m, paymentMethods[m]]);
const LABELS: Record<string, string> = {
  invoice_id: "Invoice number", method: "Paid by", reference: "Reference", amount_cents: "Amount", received_on: "Received on",
};

export function Payments() {
  usePageTitle("Payments");
  const { api } = useApp();
  const attention = useLoad(() => must(api.GET("/admin/payments", { params: { query: { needs_attention: true } } })));
  return (
    <>
      <h1>Payments</h1>
      <RecordPayment onRecorded={attention.reload} />
      <WaiveFee />
      <section class="card" aria-labelledby="attention-title">
        <h2 id="attention-title">Payments that need attention</h2>
        <Show load={attention} what="Loading payments">
          {(page) => page.items.length === 0 ? <Empty>None: every payment matched its invoice.</Empty> : <AttentionTable items={page.items} />}
        </Show>
      </section>
    </>
  );
}

function RecordPayment({ onRecorded }: { onRecorded: () => void }) {
  const { api, today } = useApp();
  const { query } = useLocation();
  const latest = useLoad(today).data;
  const [form, setForm] = useState({ invoice_id: query.invoice ?? "", method: "check", reference: "", amount: "", received_on: "" });
  const [recorded, setRecorded] = useState<Schemas["Invoice"]>();
  const submit = useSubmit();
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const onSubmit = (event: Event) => {
    event.preventDefault();
    setRecorded(undefined);
    void submit.run(async () => {
      const cents = centsOf(form.amount);
      if (Number.isNaN(cents)) throw new ApiError(422, "validation_error", "Check the amount.", [{ field: "amount_cents", message: "Enter an amount in dollars, for example 175.00." }]);
      if (!form.invoice_id.trim()) throw new ApiError(422, "validation_error", "Which invoice?", [{ field: "invoice_id", message: "Enter the invoice number printed on the invoice." }]);
      const invoice = await must(api.POST("/admin/invoices/{invoice_id}/payments", {
        params: { path: { invoice_id: form.invoice_id.trim() } },
        body: { method: form.method as Schemas["OfflinePayment"]["method"], reference: form.reference.trim(), amount_cents: cents, received_on: form.received_on },
      }));
      setRecorded(invoice);
      // The next check is for another invoice: the confirmation above names this one.
      setForm({ ...form, invoice_id: "", reference: "", amount: "" });
      onRecorded();
    });
  };
  // The server's "amount is not the amount due" names no field: it belongs beside the amount.
  const amountError = submit.fields.amount_cents ?? (submit.error?.status === 422 && !Object.keys(submit.fields).length ? submit.error.message : undefined);
  return (
    <form onSubmit={onSubmit} noValidate class="card" aria-labelledby="record-title">
      <h2 id="record-title">Record a mail or fax payment</h2>
      <ErrorSummary error={submit.error} labels={LABELS} />
      {recorded && (
        <Saved>
          Recorded. Invoice {recorded.invoice_id} is now {word(invoiceStatus, recorded.status).toLowerCase()}; {money(recorded.amount_due_cents)} due.{" "}
          <RecordLink memberId={recorded.member_id} />
        </Saved>
      )}
      <TextField name="invoice_id" label={LABELS.invoice_id} hint="As printed on the invoice, for example INV-2027-M-1001."
        value={form.invoice_id} onValue={set("invoice_id")} error={submit.fields.invoice_id} />
      <div class="grid-2 tight">
        <SelectField name="method" label={LABELS.method} value={form.method} onValue={set("method")} options={METHODS} error={submit.fields.method} />
        <TextField name="reference" label={LABELS.reference} hint="The check number, or the phone payment's reference."
          value={form.reference} onValue={set("reference")} error={submit.fields.reference} />
        <TextField name="amount_cents" label={`${LABELS.amount_cents} ($)`} inputMode="decimal" hint="What the invoice owed on the day it was received."
          value={form.amount} onValue={set("amount")} error={amountError} />
        <TextField name="received_on" label={LABELS.received_on} type="date" max={latest} value={form.received_on}
          onValue={set("received_on")} error={submit.fields.received_on} />
      </div>
      <SubmitButton busy={submit.busy} busyText="Recording…">Record payment</SubmitButton>
    </form>
  );
}

/** "Open Ana Diaz's record", for the member a payment or a waived fee belongs to. */
function RecordLink({ memberId }: { memberId: string }) {
  const name = useMemberName(memberId);
  return <a href={`/staff/members/${encodeURIComponent(memberId)}`}>{name}'s record</a>;
}

/** Staff may waive an invoice's reinstatement fee, with a note for the record. */
function WaiveFee() {
  const { api } = useApp();
  const { query } = useLocation();
  const [invoiceId, setInvoiceId] = useState(query.fee ?? "");
  const [note, setNote] = useState("");
  const [done, setDone] = useState<Schemas["Invoice"]>();
  const submit = useSubmit();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    setDone(undefined);
    void submit.run(async () => {
      if (!invoiceId.trim()) throw new ApiError(422, "validation_error", "Which invoice?", [{ field: "fee_invoice_id", message: "Enter the invoice number." }]);
      const invoice = await must(api.POST("/admin/invoices/{invoice_id}/reinstatement-waiver", {
        params: { path: { invoice_id: invoiceId.trim() } }, body: { note: note.trim() },
      }));
      setDone(invoice);
      setNote("");
    });
  };
  // A refusal (no fee owed, not open) is about the invoice: it goes beside the invoice number.
  const invoiceError = submit.fields.fee_invoice_id ?? (submit.error && !Object.keys(submit.fields).length ? submit.error.message : undefined);
  return (
    <form onSubmit={onSubmit} noValidate class="card" aria-labelledby="fee-title">
      <h2 id="fee-title">Waive a reinstatement fee</h2>
      <ErrorSummary error={submit.error} labels={{ fee_invoice_id: "Invoice number", note: "Why" }} />
      {done && (
        <Saved>
          The fee is waived: invoice {done.invoice_id} now owes {money(done.amount_due_cents)}. <RecordLink memberId={done.member_id} />
        </Saved>
      )}
      <TextField name="fee_invoice_id" label="Invoice number" value={invoiceId} onValue={setInvoiceId} error={invoiceError} />
      <TextArea name="note" label="Why" rows={2} value={note} onValue={setNote} error={submit.fields.note}
        hint="For the record: the member's history shows it." />
      <SubmitButton busy={submit.busy} busyText="Waiving…">Waive the fee</SubmitButton>
    </form>
  );
}

function AttentionTable({ items }: { items: Schemas["PaymentRecord"][] }) {
  return (
    <TableScroll label="Payments that need attention">
      <table>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Member</th>
            <th scope="col">Invoice</th>
            <th scope="col" class="amount">Amount</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.payment_id}>
              <td class="nowrap">{when(p.received_at)}</td>
              <td>{p.member_id ? <a href={`/staff/members/${p.member_id}`}>{p.member_id}</a> : "unknown"}</td>
              <td class="mono">{p.invoice_id ?? "—"}</td>
              <td class="amount">{money(p.amount_cents, p.currency)}</td>
              <td>{p.reason ?? p.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
