/**
 * Masking of the claimant's contact wherever it leaves the outbox for people to read (the log, the operators'
 * listing, stored errors). Only the gateway that texts or mails the claimant gets it whole.
 */

/** 13812345678 → 138****5678; shorter numbers keep only their last two digits. */
export function maskPhone(phone: string): string {
  const s = phone.replace(/\s+/g, '');
  if (s.length >= 11) return `${s.slice(0, 3)}****${s.slice(-4)}`;
  if (s.length <= 2) return '*'.repeat(s.length);
  return `${'*'.repeat(s.length - 2)}${s.slice(-2)}`;
}

/** 张三 → 张*: the first character (a whole code point) and one star. */
export function maskName(name: string): string {
  const first = [...name.trim()][0];
  return first === undefined ? '' : `${first}*`;
}

export function maskContact(c: { name: string; phone: string } | null | undefined): { name: string; phone: string } | null {
  return c ? { name: maskName(c.name), phone: maskPhone(c.phone) } : null;
}

/** Mainland mobile numbers anywhere in a text, not inside a longer run of digits (a ticket number). */
const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

/**
 * A text with the contact's phone and name and any mobile number in it masked, for texts that may echo them
 * (a gateway's error, a title the workflow composed).
 */
export function scrub(text: string, contact?: { name: string; phone: string } | null): string {
  let out = text;
  if (contact?.phone && contact.phone.length >= 3) {
    const phone = contact.phone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const masked = maskPhone(contact.phone);
    out = out.replace(new RegExp(`(?<!\\d)${phone}(?!\\d)`, 'g'), () => masked);
  }
  // A one-character name would mask that character all through the text.
  if (contact?.name && [...contact.name.trim()].length >= 2) out = out.split(contact.name.trim()).join(maskName(contact.name));
  return out.replace(MOBILE, (m) => maskPhone(m));
}
