// The member's sign-in account on their record: linked, invited, or none yet,
// and the staff action that links an existing account or sends an invitation.
import { useState } from "preact/hooks";
import { useApp } from "../../app-context";
import { must, type Schemas } from "../../api/client";
import { when } from "../../ui/format";
import { ErrorSummary, SubmitButton, TextField } from "../../ui/forms";
import { useSubmit } from "../../ui/hooks";
import { Badge } from "../../ui/states";

export function MemberAccount({ member, onChanged }: { member: Schemas["Member"]; onChanged: () => void }) {
  const { api } = useApp();
  const account = member.account;
  const [email, setEmail] = useState(member.contact?.email ?? "");
  const [done, setDone] = useState<Schemas["AccountLink"]>();
  const submit = useSubmit();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    void submit.run(async () => {
      const linked = await must(api.POST("/admin/members/{member_id}/account", {
        params: { path: { member_id: member.member_id } }, body: { email: email.trim() || null },
      }));
      setDone(linked);
      onChanged();
    });
  };
  return (
    <section class="card" aria-labelledby="account-title">
      <h2 id="account-title">Sign-in account</h2>
      {account ? (
        <p>
          <Badge tone={account.status === "linked" ? "good" : "info"}>{account.status === "linked" ? "Linked" : "Invited"}</Badge>{" "}
          {account.email ?? account.username}, since {when(account.at)}.
        </p>
      ) : (
        <p>No account is linked to this member yet. A sign-up with the e-mail on file links itself.</p>
      )}
      {done && (
        <p class="notice notice-success" role="status">
          {done.status === "linked" ? "The account is linked to this member." : "The invitation is on its way."}
        </p>
      )}
      {account?.status !== "linked" && (
        <form onSubmit={onSubmit} noValidate>
          <ErrorSummary error={submit.error} labels={{ email: "E-mail of the account" }} />
          <TextField name="email" label="E-mail of the account" type="email" autoComplete="off" value={email}
            onValue={setEmail} error={submit.fields.email}
            hint="An account with this e-mail is linked; if there is none, the user pool sends an invitation." />
          <SubmitButton busy={submit.busy} busyText="Linking…">Link or invite</SubmitButton>
        </form>
      )}
    </section>
  );
}
