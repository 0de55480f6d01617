// Money stays integer minor units: it is shown and read as decimal strings built from the
// integer's digits, never through a float.

const digitsCache = new Map();

/** The currency's minor-unit digits (USD 2, JPY 0), as Intl knows them. */
export function minorDigits(currency) {
  if (!digitsCache.has(currency)) {
    let d = 2;
    try {
      d = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
    } catch {
      /* an unknown code: two digits */
    }
    digitsCache.set(currency, d);
  }
  return digitsCache.get(currency);
}

/** `1999, "USD"` → "1999" → "19.99": the decimal string of a minor-unit integer. */
export function decimal(amount, currency) {
  const d = minorDigits(currency);
  const neg = amount < 0;
  const s = String(Math.abs(amount)).padStart(d + 1, "0");
  const whole = s.slice(0, s.length - d);
  const frac = s.slice(s.length - d);
  return (neg ? "-" : "") + whole + (d ? "." + frac : "");
}

/** `{amount: 1999, currency: "USD"}` → "$19.99" (Intl formats the exact decimal string). */
export function money(m) {
  if (!m) return "–";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency }).format(decimal(m.amount, m.currency));
  } catch {
    return `${decimal(m.amount, m.currency)} ${m.currency}`;
  }
}

/** Sums of several currencies: "$1.00 · €2.00", or "–" for none. */
export function moneyList(list) {
  return list && list.length ? list.map(money).join(" · ") : "–";
}

/** "19.99" in `currency` → 1999; throws an Error with a sentence for the form otherwise. */
export function parseMoney(text, currency) {
  const d = minorDigits(currency);
  const t = String(text).trim();
  const m = /^(\d{1,12})(?:\.(\d*))?$/.exec(t);
  if (!m || (m[2] ?? "").length > d) {
    throw new Error(d ? `Enter an amount like 19.99 (at most ${d} decimals).` : "Enter a whole amount like 1999.");
  }
  return Number(m[1]) * 10 ** d + Number((m[2] ?? "").padEnd(d, "0") || 0);
}

/** 1250 → "12.5 %". */
export function percent(bps) {
  if (bps == null) return "–";
  const s = String(bps).padStart(3, "0");
  const frac = s.slice(-2).replace(/0+$/, "");
  return `${s.slice(0, -2)}${frac ? "." + frac : ""} %`;
}

/** "12.5" → 1250; throws with a sentence otherwise. */
export function parsePercent(text) {
  const m = /^(\d{1,3})(?:\.(\d{0,2}))?$/.exec(String(text).trim().replace(/\s*%$/, ""));
  const bps = m ? Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0")) : NaN;
  if (!(bps >= 0 && bps <= 10000)) throw new Error("Enter a rate between 0 and 100 %, like 12.5.");
  return bps;
}

/** An RFC 3339 time as the reader's local date and time. */
export function when(t) {
  if (!t) return "–";
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
