// Money and dates as US readers expect them.
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const longDate = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" });
const shortDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const stamp = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });

export function money(cents: number | null | undefined, currency = "usd"): string {
  if (cents === null || cents === undefined) return "";
  if (currency.toLowerCase() === "usd") return usd.format(cents / 100);
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
}

/** A calendar date (`2027-01-01`) as "January 1, 2027"; it is a day, not an instant, so no time zone moves it. */
export function day(value: string | null | undefined, style: "long" | "short" = "long"): string {
  if (!value) return "";
  const date = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return value;
  return (style === "long" ? longDate : shortDate).format(date);
}

/** A timestamp in the reader's own time zone. */
export function when(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : stamp.format(date);
}

/** +17195550100 -> (719) 555-0100; anything else as stored. */
export function usPhone(value: string | null | undefined): string {
  const digits = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value ?? "");
  return digits ? `(${digits[1]}) ${digits[2]}-${digits[3]}` : (value ?? "");
}

/** CECs: whole or half numbers, "1 CEC", "2.5 CECs". */
export function cecs(value: number): string {
  const number = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${number} ${value === 1 ? "CEC" : "CECs"}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "175", "175.5" or "$175.00" typed by a person, as cents; NaN when it is not an amount. */
export function centsOf(text: string): number {
  const clean = text.replace(/[$,\s]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return Number.NaN;
  return Math.round(Number(clean) * 100);
}

/** Cents as an amount to edit: 17500 -> "175.00". */
export function dollars(cents: number | null | undefined): string {
  return cents === null || cents === undefined ? "" : (cents / 100).toFixed(2);
}

/** The renewal year staff are working on: from October (the annual invoice run) the next one, until then this one. */
export function seasonYear(today: string): number {
  const year = Number(today.slice(0, 4));
  return Number(today.slice(5, 7)) >= 10 ? year + 1 : year;
}
