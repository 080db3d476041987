// Staff decide about a person, not an id: lists that name a member only by id
// (review queue, waiver requests) show the name from the member's record.
import { useApp } from "../app-context";
import { must } from "../api/client";
import { useLoad } from "./hooks";

/** "Ana Diaz" once the record is read; the member id until then (or if it cannot be read). */
export function useMemberName(memberId: string): string {
  const { api } = useApp();
  const member = useLoad(() => must(api.GET("/admin/members/{member_id}", { params: { path: { member_id: memberId } } })), [memberId]);
  return member.data ? `${member.data.first_name} ${member.data.last_name}` : memberId;
}
