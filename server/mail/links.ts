/**
 * Finds the links in a mail's plain-text body: for the dev log block, the dev mailbox page (clickable links) and
 * the test SMTP sink. Only http(s) URLs count: a `javascript:` "link" in a mail must never become clickable.
 */

/** A URL runs until whitespace or a character that cannot end one in prose (`<>"'` and closing brackets). */
const LINK = /https?:\/\/[^\s<>"'()[\]{}]+/g;
/** Punctuation that ends a sentence, not the URL: "Open https://x.example/reset." */
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;

/** A piece of a text body: plain text, or a link to show as one. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; href: string };

/** Splits a plain-text body into text and http(s) links, in order; joining the parts gives the body back. */
export function splitLinks(body: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of body.matchAll(LINK)) {
    const href = match[0].replace(TRAILING_PUNCTUATION, '');
    if (match.index > last) parts.push({ kind: 'text', text: body.slice(last, match.index) });
    parts.push({ kind: 'link', href });
    last = match.index + href.length;
  }
  if (last < body.length) parts.push({ kind: 'text', text: body.slice(last) });
  return parts;
}

/** The http(s) links of a plain-text body, in order. */
export function linksIn(body: string): string[] {
  return splitLinks(body).flatMap((part) => (part.kind === 'link' ? [part.href] : []));
}
