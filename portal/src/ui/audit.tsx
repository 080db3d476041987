// An audit entry's changes as staff read them: field names in words, money in
// dollars, days as dates, yes/no, codes as their words. A field this file does
// not know is still shown, its name and value put into words, never hidden.
import { day, money, plural, usPhone, when } from "./format";
import {
  auditFields, formStatus, invoiceStatus, paymentMethods, requestStatus, submissionStatus, waiverTypes, word,
} from "./words";

type Words = Record<string, string>;

/** A `status` means the status of what the action is about. */
const statusWords: Record<string, Words> = {
  cec_submission: submissionStatus,
  cec_form: formStatus,
  waiver_request: requestStatus,
  invoice: invoiceStatus,
};

/** Fields whose value is a code with words of its own. */
const codeWords: Record<string, Words> = { method: paymentMethods, type: waiverTypes };

/** `contact.address.postal_code` -> "Contact address postal code"; `overdue_cents` -> "Overdue". */
export function fieldName(key: string): string {
  if (auditFields[key]) return auditFields[key];
  const text = key.replace(/_(cents|ids?)$/, "").replace(/[._]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One value as a person reads it, knowing the field (and the action, for a status) it belongs to. */
export function fieldValue(key: string, value: unknown, action = ""): string {
  if (value === null || value === undefined || value === "") return "none";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  const leaf = key.slice(key.lastIndexOf(".") + 1);
  if (typeof value === "number") return leaf.endsWith("_cents") ? money(value) : String(value);
  if (Array.isArray(value)) {
    // Lists of ids say how many; lists of credentials name their codes.
    if (leaf.endsWith("_ids")) return plural(value.length, "activity", "activities");
    return value.length === 0 ? "none" : value.map((item) => fieldValue(leaf, item, action)).join(", ");
  }
  if (typeof value === "object") return record(leaf, value as Record<string, unknown>, action);
  const text = String(value);
  if (leaf === "status") return word(statusWords[action.split(".")[0]] ?? {}, text) || text;
  if (codeWords[leaf]) return word(codeWords[leaf], text);
  if (leaf === "phone") return usPhone(text);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return day(text);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return when(text);
  return text;
}

const actorRoles: Record<string, string> = {
  naaei: "institute staff",
  affiliate: "affiliate office",
  member: "the member",
};

/**
 * Who made a change: the API records `groups:sub` ("naaei:5f0c…"; `system:system`
 * for a verified Stripe event or a schedule). Said as the role, then the
 * account's id for whoever must trace it.
 */
export function auditActor(actor: string): string {
  const found = /^([a-z+]+):(\S+)(.*)$/.exec(actor);
  if (!found) return actor;
  const roles = found[1].split("+");
  if (roles.includes("system")) return `the system${found[3]}`;
  const role = roles.map((r) => actorRoles[r]).find(Boolean) ?? roles.join(", ");
  return `${role} (${found[2]})${found[3]}`;
}

/** A record inside an entry (a waiver, a credential, an address) in a phrase; its ids are on the record itself. */
function record(key: string, value: Record<string, unknown>, action: string): string {
  if (key === "waiver" && "type" in value) return `${word(waiverTypes, String(value.type))}, ${value.renewal_year ?? ""}`.replace(/, $/, "");
  if ("code" in value) {
    return value.earned_on ? `${value.code} (earned ${day(String(value.earned_on), "short")})` : String(value.code);
  }
  return Object.entries(value).filter(([name]) => !name.endsWith("_id"))
    .map(([name, v]) => `${fieldName(name).toLowerCase()} ${fieldValue(name, v, action)}`).join(", ");
}

function blank(value: unknown): boolean {
  return value === null || value === undefined || value === "";
}

/** An entry's changes: `{"amount_cents": {"from": 17500, "to": 0}}` -> Amount: $175.00 → $0.00. */
export function AuditChanges({ action, changes }: { action: string; changes: Record<string, unknown> }) {
  const rows = Object.entries(changes ?? {}).flatMap(([key, value]) => {
    const change = value && typeof value === "object" && "from" in value && "to" in value
      ? value as { from: unknown; to: unknown }
      : { from: undefined, to: value };
    // A field given no value (a decision without a note) says nothing.
    if (blank(change.from) && blank(change.to)) return [];
    const now = fieldValue(key, change.to, action);
    const text = blank(change.from) ? now
      : blank(change.to) ? `${fieldValue(key, change.from, action)} (removed)`
      : `${fieldValue(key, change.from, action)} → ${now}`;
    return [{ key, name: fieldName(key), text }];
  });
  if (rows.length === 0) return null;
  // Known fields in the order the words list them (a record's name before its address), the others after.
  const order = Object.keys(auditFields);
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  rows.sort((a, b) => rank(a.key) - rank(b.key));
  return (
    <dl class="changes">
      {rows.map((row) => (
        <div key={row.key}>
          <dt>{row.name}</dt>
          <dd>{row.text}</dd>
        </div>
      ))}
    </dl>
  );
}
