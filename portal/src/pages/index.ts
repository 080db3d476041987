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
import { Callback } from "./public/callback";
import { SignedOut } from "./public/signed-out";
import { Verify } from "./public/verify";

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
  { path: "/contact", component: Contact, group: "member" },
  { path: "/pay/:invoiceId", component: Pay, group: "member" },
  { path: "/pay/:invoiceId/done", component: PayReturn, group: "member" },
  { path: "/cecs", component: Cecs, group: "member" },
  { path: "/cecs/report", component: CecReport, group: "member" },
  { path: "/certificates", component: Certificates, group: "member" },
  { path: "/waivers", component: Waivers, group: "member" },
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
];

export const groupNames: Record<Group, string> = {
  member: "credential holders",
  affiliate: "affiliate office staff",
  naaei: "institute staff",
};
