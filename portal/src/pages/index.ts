// Every page of the portal, in one list: its path, who may open it, and the
// navigation. A page is one file under pages/; adding one is a line here.
//
// Page paths never collide with API routes (the API has /me, /admin,
// /affiliate, /review, /webhooks, /health, /swagger), except the public verify
// page, which is the address printed on certificates.
import type { AnyComponent } from "preact";
import type { Group } from "../auth";
import { Cecs } from "./member/cecs";
import { CecReport } from "./member/cec-report";
import { Certificates } from "./member/certificates";
import { Contact } from "./member/contact";
import { Home } from "./home";
import { Pay } from "./member/pay";
import { PayReturn } from "./member/pay-return";
import { Waivers } from "./member/waivers";
import { FormsToSign } from "./affiliate/forms";
import { OfficeRenewals } from "./affiliate/renewals";
import { Roster } from "./affiliate/roster";
import { SignInSecurity } from "./account/security";
import { Callback } from "./public/callback";
import { SignedOut } from "./public/signed-out";
import { Verify } from "./public/verify";
import { DeadlineRuns } from "./staff/deadline-runs";
import { MemberRecord } from "./staff/member";
import { EditMember, NewMember } from "./staff/member-edit";
import { Imports } from "./staff/imports";
import { Members } from "./staff/members";
import { Payments } from "./staff/payments";
import { Reports } from "./staff/reports";
import { Review } from "./staff/review";
import { RuleSets } from "./staff/rule-sets";
import { Runs } from "./staff/runs";
import { StaffWaivers } from "./staff/waivers";

export interface Page {
  path: string;
  // Pages take their route's params as props.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  component: AnyComponent<any>;
  /** The group a user needs; none: any signed-in user. */
  group?: Group;
  /** Open without signing in. */
  public?: boolean;
}

export const pages: Page[] = [
  { path: "/", component: Home, public: true },
  { path: "/auth/callback", component: Callback, public: true },
  { path: "/signed-out", component: SignedOut, public: true },
  { path: "/verify/:number", component: Verify, public: true },
  // Every signed-in person: their authenticator app.
  { path: "/account/security", component: SignInSecurity },
  { path: "/contact", component: Contact, group: "member" },
  { path: "/pay/:invoiceId", component: Pay, group: "member" },
  { path: "/pay/:invoiceId/done", component: PayReturn, group: "member" },
  { path: "/cecs", component: Cecs, group: "member" },
  { path: "/cecs/report", component: CecReport, group: "member" },
  { path: "/certificates", component: Certificates, group: "member" },
  { path: "/waivers", component: Waivers, group: "member" },
  // Affiliate offices
  { path: "/office/roster", component: Roster, group: "affiliate" },
  { path: "/office/forms", component: FormsToSign, group: "affiliate" },
  { path: "/office/renewals", component: OfficeRenewals, group: "affiliate" },
  // Institute staff
  { path: "/staff/members", component: Members, group: "naaei" },
  { path: "/staff/members/new", component: NewMember, group: "naaei" },
  { path: "/staff/members/:memberId", component: MemberRecord, group: "naaei" },
  { path: "/staff/members/:memberId/edit", component: EditMember, group: "naaei" },
  { path: "/staff/rule-sets", component: RuleSets, group: "naaei" },
  { path: "/staff/runs", component: Runs, group: "naaei" },
  { path: "/staff/deadline-runs", component: DeadlineRuns, group: "naaei" },
  { path: "/staff/review", component: Review, group: "naaei" },
  { path: "/staff/payments", component: Payments, group: "naaei" },
  { path: "/staff/waivers", component: StaffWaivers, group: "naaei" },
  { path: "/staff/reports", component: Reports, group: "naaei" },
  { path: "/staff/imports", component: Imports, group: "naaei" },
];

export interface Section {
  title: string;
  group: Group;
  links: { href: string; label: string }[];
}

export const navigation: Section[] = [
  {
    title: "My renewal",
    group: "member",
    links: [
      { href: "/", label: "Dashboard" },
      { href: "/contact", label: "Contact information" },
      { href: "/cecs", label: "CECs" },
      { href: "/certificates", label: "Certificates" },
      { href: "/waivers", label: "Waivers" },
    ],
  },
  {
    title: "Affiliate office",
    group: "affiliate",
    links: [
      { href: "/office/roster", label: "Post a roster" },
      { href: "/office/forms", label: "Forms to sign" },
      { href: "/office/renewals", label: "Our members' renewals" },
    ],
  },
  {
    title: "Institute",
    group: "naaei",
    links: [
      { href: "/staff/members", label: "Members" },
      { href: "/staff/rule-sets", label: "Rule sets" },
      { href: "/staff/runs", label: "Invoice runs" },
      { href: "/staff/deadline-runs", label: "Deadline runs" },
      { href: "/staff/review", label: "Review queue" },
      { href: "/staff/payments", label: "Payments" },
      { href: "/staff/waivers", label: "Waivers" },
      { href: "/staff/reports", label: "Reports" },
      { href: "/staff/imports", label: "Import members" },
    ],
  },
];

export const groupNames: Record<Group, string> = {
  member: "credential holders",
  affiliate: "affiliate office staff",
  naaei: "institute staff",
};
