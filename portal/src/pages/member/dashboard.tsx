// The member's dashboard: the current renewal year and any earlier year still
// open, each with its status in words, what is owed, the dates, CEC progress
// and the next step to take.
import { useApp } from "../../app-context";
import { ApiError, must, type Api, type Schemas } from "../../api/client";
import { cecs, day, money } from "../../ui/format";
import { usePageTitle, useLoad } from "../../ui/hooks";
import { CecBar, InvoiceLines } from "../../ui/renewal";
import { Badge, Failed, Loading } from "../../ui/states";
import { renewalStatus, word } from "../../ui/words";

type Renewal = Schemas["Renewal"];
type Invoice = Schemas["Invoice"];

interface Year {
  renewal: Renewal;
  invoice?: Invoice;
}

export interface Overview {
  member: Schemas["Member"];
  current?: Year;
  earlier: Year[];
  today: string;
}

const UNSETTLED = ["open", "grace", "lapsed"];

async function renewalOf(api: Api, year: number): Promise<Renewal | undefined> {
  try {
    return await must(api.GET("/me/renewals/{renewal_year}", { params: { path: { renewal_year: year } } }));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) return undefined; // no rule set
    throw error;
  }
}

/** Which years to show: the year whose season is running (its grace has not ended), and earlier unsettled ones. */
export async function loadOverview(api: Api, today: string): Promise<Overview> {
  const thisYear = Number(today.slice(0, 4));
  const [member, invoices] = await Promise.all([must(api.GET("/me")), must(api.GET("/me/invoices"))]);
  const years = new Set<number>([thisYear, thisYear + 1, ...invoices.items.map((i) => i.renewal_year)]);
  const renewals = (await Promise.all([...years].map((y) => renewalOf(api, y)))).filter((r): r is Renewal => !!r);
  renewals.sort((a, b) => a.renewal_year - b.renewal_year);
  const running = renewals.filter((r) => !r.grace_ends || r.grace_ends >= today);
  const current = running[0] ?? renewals[renewals.length - 1];
  const invoiceOf = (r: Renewal) => invoices.items.find((i) => i.invoice_id === r.invoice_id);
  const earlier = renewals.filter((r) => current && r.renewal_year < current.renewal_year && UNSETTLED.includes(r.status));
  return {
    member,
    today,
    current: current && { renewal: current, invoice: invoiceOf(current) },
    earlier: earlier.map((r) => ({ renewal: r, invoice: invoiceOf(r) })),
  };
}

export function Dashboard() {
  usePageTitle("Your renewal");
  const { api, today } = useApp();
  const overview = useLoad(async () => loadOverview(api, await today()));
  if (overview.error?.code === "account_not_linked") return <NotLinked message={overview.error.message} />;
  if (overview.error) return <Failed error={overview.error} retry={overview.reload} />;
  if (!overview.data) return <Loading what="Loading your renewal" />;
  const { member, current, earlier } = overview.data;
  return (
    <>
      <h1>Welcome, {member.first_name}</h1>
      {earlier.length > 0 && (
        <section aria-labelledby="behind">
          <h2 id="behind">Earlier {earlier.length === 1 ? "year" : "years"} still open</h2>
          {earlier.map((year) => (
            <YearCard key={year.renewal.renewal_year} year={year} headingLevel={3} />
          ))}
        </section>
      )}
      {current ? (
        <YearCard year={current} />
      ) : (
        <p>No renewal year is open yet. You will get an e-mail when your invoice is issued.</p>
      )}
      <section aria-labelledby="credentials-title" class="card">
        <h2 id="credentials-title">Your credentials</h2>
        <ul class="credentials">
          {member.credentials.map((c) => (
            <li key={c.code}>
              <strong>{c.code}</strong> — {c.status === "lifetime" ? "lifetime certificate" : c.status}
              {c.renewed_through ? `, renewed through ${c.renewed_through}` : ""}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

function NotLinked({ message }: { message: string }) {
  return (
    <section>
      <h1>Your account is not linked yet</h1>
      <p>{message}</p>
      <p>Ask your affiliate office or the institute to link your sign-in to your member record.</p>
    </section>
  );
}

function tone(status: string): "good" | "warn" | "bad" | "info" | "neutral" {
  if (status === "renewed" || status === "waived") return "good";
  if (status === "grace") return "warn";
  if (status === "lapsed") return "bad";
  if (status === "open") return "info";
  return "neutral";
}

function statusSentence(r: Renewal): string {
  switch (r.status) {
    case "open":
      return r.due_date ? `Your renewal is due ${day(r.due_date)}.` : "Your renewal is open.";
    case "grace":
      return `Your renewal was due ${day(r.due_date)}. Complete it by ${day(r.grace_ends)} to avoid the reinstatement fee.`;
    case "lapsed":
      return `The grace period ended ${day(r.grace_ends)}. Pay the invoice (with the reinstatement fee, if it shows one) and complete your CECs to reinstate your credentials.`;
    case "renewed":
      return `You are renewed for ${r.renewal_year}. Thank you.`;
    case "waived":
      return `Your ${r.renewal_year} renewal is waived.`;
    default:
      return "None of your credentials needs renewing this year.";
  }
}

interface Step {
  text: string;
  href?: string;
  action?: string;
}

/** What the member should do now, first things first. */
export function nextSteps(r: Renewal, invoice?: Invoice): Step[] {
  if (["renewed", "waived", "not_required"].includes(r.status)) {
    return [{ text: "Nothing left to do for this year.", href: "/certificates", action: "Download a certificate" }];
  }
  const steps: Step[] = [];
  if (!r.paid && invoice && invoice.status === "open" && invoice.amount_due_cents > 0) {
    steps.push({ text: `Pay ${money(invoice.amount_due_cents, invoice.currency)}.`, href: `/pay/${invoice.invoice_id}`, action: "Pay now" });
  } else if (!r.paid && !r.invoice_id) {
    steps.push({ text: "Your invoice has not been issued yet; you will get an e-mail when it is." });
  } else if (!r.paid && invoice && invoice.status !== "open") {
    steps.push({ text: `Your invoice is ${invoice.status}. Contact your affiliate office to settle it.` });
  }
  if (!r.cec_complete && !r.cec.waived) {
    const unreported = Math.max(0, r.cec.required - r.cec.approved - r.cec.in_review);
    if (unreported > 0) {
      const inNetwork = r.cec.outstanding_in_network > 0 ? `, ${r.cec.outstanding_in_network} of them in-network` : "";
      steps.push({ text: `Report and submit ${unreported} more ${unreported === 1 ? "CEC" : "CECs"}${inNetwork}.`, href: "/cecs", action: "Go to your CECs" });
    } else {
      steps.push({ text: `The institute is reviewing ${cecs(r.cec.in_review)} you submitted.`, href: "/cecs", action: "See your submissions" });
    }
  }
  return steps;
}

function YearCard({ year, headingLevel = 2 }: { year: Year; headingLevel?: 2 | 3 }) {
  const { renewal: r, invoice } = year;
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const steps = nextSteps(r, invoice);
  const id = `renewal-${r.renewal_year}`;
  return (
    <article class="card renewal" aria-labelledby={id}>
      <div class="card-header">
        <Heading id={id}>{r.renewal_year} renewal</Heading>
        <Badge tone={tone(r.status)}>{word(renewalStatus, r.status)}</Badge>
      </div>
      <p>{statusSentence(r)}</p>
      {steps.length > 0 && (
        <div class="next-step">
          <h3>Next step</h3>
          <ol>
            {steps.map((step, index) => (
              <li key={step.text}>
                {step.text}{" "}
                {step.href && step.action && (
                  <a href={step.href} class={index === 0 ? "button step-action" : undefined}>
                    {step.action}
                  </a>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}
      <div class="grid-2">
        <section aria-labelledby={`${id}-money`}>
          <h3 id={`${id}-money`}>Payment</h3>
          <dl class="facts">
            <dt>Status</dt>
            <dd>{r.paid ? <Badge tone="good">Paid</Badge> : invoice ? <Badge tone={r.status === "lapsed" ? "bad" : "warn"}>Not paid</Badge> : "Not invoiced yet"}</dd>
            {r.due_date && (
              <>
                <dt>Due date</dt>
                <dd>{day(r.due_date)}</dd>
              </>
            )}
            {r.grace_ends && (
              <>
                <dt>Grace period ends</dt>
                <dd>{day(r.grace_ends)}</dd>
              </>
            )}
          </dl>
          {invoice && <InvoiceLines invoice={invoice} />}
        </section>
        <section aria-labelledby={`${id}-cec`}>
          <h3 id={`${id}-cec`}>CECs</h3>
          <p class="hint">
            Earned {day(r.cec.window.start)} to {day(r.cec.window.end)}.
          </p>
          <CecBar cec={r.cec} />
        </section>
      </div>
    </article>
  );
}
