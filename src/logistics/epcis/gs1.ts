/**
 * GS1 identifiers the gateway reads from EPCIS events: the SSCC of a logistic unit, written as an
 * EPC URI (`urn:epc:id:sscc:<company prefix>.<extension digit><serial reference>`) or as a GS1
 * Digital Link URI (`https://id.gs1.org/00/<18-digit SSCC>`, any resolver host).
 */

/** The GS1 mod-10 check digit of a digit string (the identifier without its check digit). */
export function gs1CheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = Number(body.charAt(body.length - 1 - i));
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return String((10 - (sum % 10)) % 10);
}

export function isValidSscc(sscc: string): boolean {
  return /^\d{18}$/.test(sscc) && gs1CheckDigit(sscc.slice(0, 17)) === sscc.charAt(17);
}

const SSCC_URN = /^urn:epc:id:sscc:(\d{6,12})\.(\d{5,11})$/i;
const DIGITAL_LINK = /^https?:\/\/[^/?#]+(?:\/[^?#]*?)?\/00\/([^/?#]+)\/?(?:[?#].*)?$/i;

/** Whether an EPC is written as an SSCC at all (so a malformed one can be named, not ignored). */
export function looksLikeSscc(epc: string): boolean {
  const v = epc.trim();
  return /^urn:epc:id:sscc:/i.test(v) || DIGITAL_LINK.test(v);
}

/**
 * The 18-digit SSCC an EPC names, or null. From the URN: extension digit + company prefix + the
 * rest of the serial reference (17 digits), then the check digit. From a Digital Link: the 18
 * digits after `/00/`, whose check digit must hold.
 */
export function ssccFromEpc(epc: string): string | null {
  const v = epc.trim();
  const urn = SSCC_URN.exec(v);
  if (urn) {
    const [, prefix, serial] = urn;
    if (prefix.length + serial.length !== 17) return null;
    const body = serial.charAt(0) + prefix + serial.slice(1);
    return body + gs1CheckDigit(body);
  }
  const dl = DIGITAL_LINK.exec(v);
  if (dl && isValidSscc(dl[1])) return dl[1];
  return null;
}

/** The canonical GS1 Digital Link URI of an SSCC. */
export function ssccDigitalLink(sscc: string): string {
  return `https://id.gs1.org/00/${sscc}`;
}
