// The API's codes in words a credential holder understands.
export const renewalStatus: Record<string, string> = {
  not_required: "No renewal needed",
  open: "Open",
  grace: "In grace period",
  lapsed: "Lapsed",
  renewed: "Renewed",
  waived: "Waived",
};

export const invoiceStatus: Record<string, string> = {
  open: "Unpaid",
  paid: "Paid",
  void: "Void",
  refunded: "Refunded",
  disputed: "Disputed",
};

export const credentialStatus: Record<string, string> = {
  active: "Active",
  grace: "In grace period",
  lapsed: "Lapsed",
  lifetime: "Lifetime",
};

export const activityTypes: Record<string, string> = {
  affiliate_class: "Affiliate class",
  conference: "Conference or Expo session",
  online_course: "Institute-approved online course",
  committee: "Committee or board service",
  legislative: "Legislative event",
  teaching: "Unpaid teaching",
  volunteer: "Volunteering",
  other: "Other education",
  corporate_training: "Corporate in-house training",
};

export const activityStatus: Record<string, string> = {
  pending: "In review",
  approved: "Approved",
  rejected: "Rejected",
  not_counted: "Over the participation cap",
};

export const formStatus: Record<string, string> = {
  awaiting_affiliate: "Awaiting the affiliate office",
  verified: "Verified",
  rejected: "Rejected",
  submitted: "Submitted",
};

export const submissionStatus: Record<string, string> = {
  queued: "Received",
  in_review: "In review",
  approved: "Approved",
  partially_approved: "Partly approved",
  rejected: "Rejected",
};

/** A waiver's kind in a sentence or a list ("Emeritus waiver granted to M-1001"). */
export const waiverTypes: Record<string, string> = {
  military_deployment: "Military deployment",
  emeritus: "Emeritus",
};

/** The same kinds as choices on a form, with what qualifies. */
export const waiverChoices: Record<string, string> = {
  military_deployment: "Military deployment",
  emeritus: "Emeritus (retired, or 25 years in the industry)",
};

export const requestStatus: Record<string, string> = {
  pending: "Pending",
  approved: "Approved",
  rejected: "Rejected",
};

export function word(table: Record<string, string>, code: string | null | undefined): string {
  if (!code) return "";
  return table[code] ?? code.replace(/_/g, " ");
}

/** What an entry of a member's history records, as staff say it. */
export const auditActions: Record<string, string> = {
  "member.create": "Member created",
  "member.update": "Record edited",
  "contact.update": "Contact information changed",
  "waiver.grant": "Waiver granted",
  "waiver.revoke": "Waiver revoked",
  "waiver_request.decide": "Waiver request decided",
  "payment.offline": "Mail or fax payment recorded",
  "reinstatement_fee.waive": "Reinstatement fee waived",
  "reinstatement_fee.void": "Reinstatement fee voided",
  "invoice.follow": "Invoice changed with the credentials",
  "cec_submission.decide": "CEC submission reviewed",
  "cec_form.verified": "CEC form verified by the affiliate",
  "cec_form.rejected": "CEC form rejected by the affiliate",
  "roster.post": "Class roster posted",
  "member.import.created": "Member created by an import",
  "member.import.updated": "Record updated by an import",
  "account.invited": "Invited to create an account",
  "account.linked": "Sign-in account linked",
};

/** How a payment came in. */
export const paymentMethods: Record<string, string> = {
  card: "Card (online)",
  check: "Check",
  money_order: "Money order",
  card_by_phone: "Card taken by phone",
};

/**
 * The fields an audit entry names, as staff say them. A field not listed here
 * is still shown, its name put into words (`contact.address.postal_code` ->
 * "Contact address postal code"), so nothing recorded is hidden.
 */
export const auditFields: Record<string, string> = {
  // In the order an entry lists them.
  invoice_id: "Invoice",
  submission_id: "CEC submission",
  form_id: "CEC form",
  request_id: "Waiver request",
  waiver: "Waiver",
  waiver_id: "Waiver",
  type: "Type",
  renewal_year: "Renewal year",
  status: "Status",
  amount_cents: "Amount",
  overpaid_cents: "Overpaid",
  fee_waived: "Reinstatement fee waived",
  method: "Paid by",
  reference: "Reference",
  received_on: "Received on",
  added: "Credentials added",
  voided: "Credentials voided",
  repriced: "Credentials repriced",
  cec_required: "CECs required",
  in_network_required: "In-network CECs required",
  approved_activity_ids: "Activities approved",
  rejected_activity_ids: "Activities rejected",
  credited: "Members credited",
  account: "Account",
  how: "How",
  first_name: "First name",
  last_name: "Last name",
  affiliate: "Affiliate",
  credentials: "Credentials",
  "contact.email": "E-mail",
  "contact.phone": "Phone",
  "contact.address.line1": "Address line 1",
  "contact.address.line2": "Address line 2",
  "contact.address.city": "City",
  "contact.address.state": "State",
  "contact.address.postal_code": "ZIP code",
  "contact.address.country": "Country",
  reason: "Reason",
  note: "Note",
};

/** An audit action without a phrase of its own: `waiver_request.decide` -> "Waiver request decide". */
export function auditAction(code: string): string {
  if (auditActions[code]) return auditActions[code];
  const text = code.replace(/[._]+/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
