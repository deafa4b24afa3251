// The page's language. French texts are written in the scripts as they are shown, wrapped in
// t("…"): in French t() gives them back as they are; in English it looks them up in the
// catalogue the server put in the page (<script id="i18n" type="application/json">, see
// facilitate/i18n.py). The language is fixed for the life of a page: the switch reloads it, so
// labels may be translated once, where they are defined. tests/test_i18n.py checks that every
// t("…") and tn(n, "…", "…") of the scripts has its English text.

function readCatalogue() {
  const node = document.getElementById("i18n");
  if (!node) return { texts: {}, errors: {} };
  try {
    return JSON.parse(node.textContent);
  } catch {
    return { texts: {}, errors: {} };
  }
}

const catalogue = readCatalogue();

/** "fr" or "en", as the server chose it for this page. */
export const lang = document.documentElement.lang === "en" ? "en" : "fr";

/** The BCP 47 tag for dates, times and numbers. */
export const locale = lang === "en" ? "en-GB" : "fr-FR";

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A French text in the page's language, with its `{name}` placeholders filled from `params`. */
export function t(text, params = {}) {
  return fill(catalogue.texts[text] ?? text, params);
}

/**
 * A count and its noun: `one` for a single item, `other` otherwise, both French texts with a
 * `{n}` placeholder. French takes the singular for 0 and 1, English for 1 only.
 */
export function tn(n, one, other, params = {}) {
  const single = lang === "en" ? n === 1 : n < 2;
  return t(single ? one : other, { n, ...params });
}

/** A refusal `{code, message, details?}` from the server, said in the page's language. */
export function errorText(error) {
  if (!error) return "";
  const english = lang === "en" && catalogue.errors[error.code];
  return english ? fill(english, error.details || {}) : error.message || "";
}
