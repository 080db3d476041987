// Contact information: e-mail, phone and mailing address. Only what changed is
// sent (PATCH /me/contact); the server checks it and its messages appear beside
// the fields they name.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { ErrorSummary, Saved, SubmitButton, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { Show } from "../../ui/states";
import { usPhone } from "../../ui/format";

type Member = Schemas["Member"];

interface Values {
  email: string;
  phone: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  postal_code: string;
}

const LABELS: Record<string, string> = {
  email: "E-mail address",
  phone: "Phone number",
  address: "Address",
  "address.line1": "Street address",
  "address.line2": "Apartment, suite or unit",
  "address.city": "City",
  "address.state": "State",
  "address.postal_code": "ZIP code",
};

function valuesOf(member: Member): Values {
  const contact = member.contact ?? {};
  const address = contact.address;
  return {
    email: contact.email ?? "",
    phone: usPhone(contact.phone),
    line1: address?.line1 ?? "",
    line2: address?.line2 ?? "",
    city: address?.city ?? "",
    state: address?.state ?? "",
    postal_code: address?.postal_code ?? "",
  };
}

function changes(before: Values, after: Values): Schemas["ContactPatch"] {
  const patch: Schemas["ContactPatch"] = {};
  if (after.email.trim() !== before.email) patch.email = after.email.trim();
  if (after.phone.trim() !== before.phone) patch.phone = after.phone.trim() || null;
  const address: Record<string, string | null> = {};
  for (const key of ["line1", "line2", "city", "state", "postal_code"] as const) {
    if (after[key].trim() !== before[key]) address[key] = after[key].trim() || (key === "line2" ? null : "");
  }
  if (Object.keys(address).length > 0) patch.address = address as Schemas["ContactPatch"]["address"];
  return patch;
}

export function Contact() {
  usePageTitle("Contact information");
  const { api } = useApp();
  const member = useLoad(() => must(api.GET("/me")));
  return (
    <>
      <h1>Contact information</h1>
      <p class="lead">We send your invoice, reminders and receipts to this e-mail address, and mail to this address.</p>
      <Show load={member} what="Loading your contact information">
        {(loaded) => <ContactForm member={loaded} />}
      </Show>
    </>
  );
}

function ContactForm({ member }: { member: Member }) {
  const { api } = useApp();
  const [saved, setSaved] = useState<Values>(valuesOf(member));
  const [values, setValues] = useState<Values>(saved);
  const [done, setDone] = useState(false);
  const submit = useSubmit();
  const set = (key: keyof Values) => (value: string) => {
    setValues({ ...values, [key]: value });
    setDone(false);
  };
  const error = (name: string) => submit.fields[name] ?? (name.startsWith("address.") ? submit.fields.address : undefined);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    const patch = changes(saved, values);
    if (Object.keys(patch).length === 0) {
      setDone(true);
      return;
    }
    void submit.run(async () => {
      const updated = await must(api.PATCH("/me/contact", { body: patch }));
      const next = valuesOf(updated);
      setSaved(next);
      setValues(next);
      setDone(true);
    });
  };

  return (
    <form onSubmit={onSubmit} noValidate>
      <ErrorSummary error={submit.error} labels={LABELS} />
      {done && <Saved>Your contact information is saved.</Saved>}
      <TextField name="email" label={LABELS.email} type="email" autocomplete="email" required
        value={values.email} onValue={set("email")} error={error("email")} />
      <TextField name="phone" label={LABELS.phone} type="tel" autocomplete="tel-national"
        hint="A US number, for example (719) 555-0100. Leave it empty to remove it."
        value={values.phone} onValue={set("phone")} error={error("phone")} />
      <fieldset>
        <legend>Mailing address</legend>
        <TextField name="address.line1" label={LABELS["address.line1"]} autocomplete="address-line1"
          value={values.line1} onValue={set("line1")} error={error("address.line1")} />
        <TextField name="address.line2" label={LABELS["address.line2"]} hint="Optional." autocomplete="address-line2"
          value={values.line2} onValue={set("line2")} error={error("address.line2")} />
        <TextField name="address.city" label={LABELS["address.city"]} autocomplete="address-level2"
          value={values.city} onValue={set("city")} error={error("address.city")} />
        <div class="grid-2 tight">
          <TextField name="address.state" label={LABELS["address.state"]} hint="Two letters, for example CO."
            autocomplete="address-level1" maxLength={2} class="short"
            value={values.state} onValue={(v) => set("state")(v.toUpperCase())} error={error("address.state")} />
          <TextField name="address.postal_code" label={LABELS["address.postal_code"]} hint="5 digits, or ZIP+4."
            autocomplete="postal-code" inputMode="numeric" class="short"
            value={values.postal_code} onValue={set("postal_code")} error={error("address.postal_code")} />
        </div>
      </fieldset>
      <SubmitButton busy={submit.busy}>Save contact information</SubmitButton>
    </form>
  );
}
