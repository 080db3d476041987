// Members: find one by name, e-mail or id, or add a new one.
import { usePageTitle } from "../../ui/hooks";
import { MemberSearch } from "../../ui/member-search";

export function Members() {
  usePageTitle("Members");
  return (
    <>
      <h1>Members</h1>
      <p>
        <a href="/staff/members/new" class="button">Add a member</a>
      </p>
      <MemberSearch scope="staff" label="Find a member"
        action={(row) => <a href={`/staff/members/${encodeURIComponent(row.member_id)}`}>Open<span class="visually-hidden"> {row.name}</span></a>} />
    </>
  );
}
