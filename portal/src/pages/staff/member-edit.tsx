// Creating or editing a member: name, affiliate, contact and the credentials
// held (with the date each was earned). The server validates the whole record
// and its messages appear beside the fields.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useApp } from "../../app-context";
import { ApiError, must, type Schemas } from "../../api/client";
import { ErrorSummary, SelectField, SubmitButton, TextField } from "../../ui/forms";
import { usePageTitle, useLoad, useSubmit } from "../../ui/hooks";
import { Show } from "../../ui/states";
import { usPhone } from "../../ui/format";

type Code = Schemas["CredentialCode"];
const CODES: Code[] = ["CAM", "CALP", "CAPS", "CAS", "AIME", "CAMT"];

interface Values {
  member_id: string;
  first_name: string;
  last_name: string;
  affiliate: string;
  email: string;
  phone: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  postal_code: string;
  credentials: { key: number; code: Code; earned_on: string }[];
}

let nextKey = 1;
const LABELS: Record<string, string> = {
  member_id: "Member id", first_name: "First name", last_name: "Last name", affiliate: "Affiliate",
  "contact.email": "E-mail", "contact.phone": "Phone", "contact.address.line1": "Street address",
  "contact.address.line2": "Apartment, suite or unit", "contact.address.city": "City", "contact.address.state": "State",
  "contact.address.postal_code": "ZIP code", credentials: "Credentials", "credentials.earned_on": "Earned on",
};

function valuesOf(member?: Schemas["Member"]): Values {
  const address = member?.contact?.address;
  return {
    member_id: member?.member_id ?? "", first_name: member?.first_name ?? "", last_name: member?.last_name ?? "",
    affiliate: member?.affiliate ?? "", email: member?.contact?.email ?? "", phone: usPhone(member?.contact?.phone),
    line1: address?.line1 ?? "", line2: address?.line2 ?? "", city: address?.city ?? "", state: address?.state ?? "",
    postal_code: address?.postal_code ?? "",
    credentials: (member?.credentials ?? []).map((c) => ({ key: nextKey++, code: c.code, earned_on: c.earned_on })),
  };
}

function bodyOf(v: Values): Schemas["MemberIn"] {
  const address = v.line1.trim() || v.city.trim()
    ? { line1: v.line1.trim(), line2: v.line2.trim() || null, city: v.city.trim(), state: v.state.trim(), postal_code: v.postal_code.trim(), country: "US" as const }
    : null;
  return {
    first_name: v.first_name.trim(), last_name: v.last_name.trim(), affiliate: v.affiliate.trim() || null,
    contact: { email: v.email.trim() || null, phone: v.phone.trim() || null, address },
    credentials: v.credentials.map((c) => ({ code: c.code, earned_on: c.earned_on })),
  };
}

export function NewMember() {
  usePageTitle("Add a member");
  return <MemberForm />;
}

export function EditMember({ memberId }: { memberId: string }) {
  usePageTitle(`Edit member ${memberId}`);
  const { api } = useApp();
  const member = useLoad(() => must(api.GET("/admin/members/{member_id}", { params: { path: { member_id: memberId } } })), [memberId]);
  return <Show load={member} what="Loading the member">{(m) => <MemberForm member={m} />}</Show>;
}

function MemberForm({ member }: { member?: Schemas["Member"] }) {
  const { api } = useApp();
  const { route } = useLocation();
  const [v, setV] = useState<Values>(valuesOf(member));
  const submit = useSubmit();
  const set = (key: keyof Values) => (value: string) => setV({ ...v, [key]: value });
  const f = (name: string) => submit.fields[name];
  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const id = (member?.member_id ?? v.member_id).trim();
      if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) {
        throw new ApiError(422, "validation_error", "Check the member id.", [{ field: "member_id", message: "Letters, digits and dashes only, for example M-1001." }]);
      }
      await must(api.PUT("/admin/members/{member_id}", { params: { path: { member_id: id } }, body: bodyOf(v) }));
      route(`/staff/members/${encodeURIComponent(id)}`);
    });
  };
  return (
    <>
      <p><a href={member ? `/staff/members/${encodeURIComponent(member.member_id)}` : "/staff/members"}>← Back</a></p>
      <h1>{member ? `Edit ${member.first_name} ${member.last_name}` : "Add a member"}</h1>
      <form onSubmit={onSubmit} noValidate>
        <ErrorSummary error={submit.error} labels={LABELS} />
        {!member && <TextField name="member_id" label={LABELS.member_id} class="short" value={v.member_id} onValue={set("member_id")} error={f("member_id")} />}
        <div class="grid-2 tight">
          <TextField name="first_name" label={LABELS.first_name} autocomplete="off" value={v.first_name} onValue={set("first_name")} error={f("first_name")} />
          <TextField name="last_name" label={LABELS.last_name} autocomplete="off" value={v.last_name} onValue={set("last_name")} error={f("last_name")} />
        </div>
        <TextField name="affiliate" label={LABELS.affiliate} class="short" hint="The affiliate's code, for example AASC." value={v.affiliate}
          onValue={(x) => set("affiliate")(x.toUpperCase())} error={f("affiliate")} />
        <fieldset>
          <legend>Contact</legend>
          <TextField name="contact.email" label={LABELS["contact.email"]} type="email" value={v.email} onValue={set("email")} error={f("contact.email")} />
          <TextField name="contact.phone" label={LABELS["contact.phone"]} type="tel" value={v.phone} onValue={set("phone")} error={f("contact.phone")} />
          <TextField name="contact.address.line1" label={LABELS["contact.address.line1"]} value={v.line1} onValue={set("line1")} error={f("contact.address.line1") ?? f("contact.address")} />
          <TextField name="contact.address.line2" label={LABELS["contact.address.line2"]} value={v.line2} onValue={set("line2")} error={f("contact.address.line2")} />
          <div class="grid-2 tight">
            <TextField name="contact.address.city" label={LABELS["contact.address.city"]} value={v.city} onValue={set("city")} error={f("contact.address.city")} />
            <TextField name="contact.address.state" label={LABELS["contact.address.state"]} maxLength={2} class="short" value={v.state}
              onValue={(x) => set("state")(x.toUpperCase())} error={f("contact.address.state")} />
            <TextField name="contact.address.postal_code" label={LABELS["contact.address.postal_code"]} class="short" value={v.postal_code}
              onValue={set("postal_code")} error={f("contact.address.postal_code")} />
          </div>
        </fieldset>
        <fieldset id="field-credentials">
          <legend>Credentials</legend>
          {(f("credentials") || f("credentials.earned_on")) && <p class="field-message">{f("credentials") ?? f("credentials.earned_on")}</p>}
          {v.credentials.map((c, index) => (
            <div key={c.key} class="grid-2 tight credential-row">
              <SelectField name={`credentials.${index}.code`} label={`Credential ${index + 1}`} value={c.code} options={CODES.map((x) => [x, x])}
                onValue={(code) => setV({ ...v, credentials: v.credentials.map((x) => (x.key === c.key ? { ...x, code: code as Code } : x)) })}
                error={f(`credentials.${index}.code`)} />
              <TextField name={`credentials.${index}.earned_on`} label={`Credential ${index + 1}: earned on`} type="date" value={c.earned_on}
                onValue={(d) => setV({ ...v, credentials: v.credentials.map((x) => (x.key === c.key ? { ...x, earned_on: d } : x)) })}
                error={f(`credentials.${index}.earned_on`)} />
              <button type="button" class="outline secondary small" onClick={() => setV({ ...v, credentials: v.credentials.filter((x) => x.key !== c.key) })}>
                Remove credential {index + 1}
              </button>
            </div>
          ))}
          <button type="button" class="outline small"
            onClick={() => setV({ ...v, credentials: [...v.credentials, { key: nextKey++, code: "CAM", earned_on: "" }] })}>
            Add a credential
          </button>
        </fieldset>
        <SubmitButton busy={submit.busy}>{member ? "Save changes" : "Add member"}</SubmitButton>
      </form>
    </>
  );
}
