/**
 * The safety check of a resource's narrative (`Narrative.div`, R4 rules txt-1 and txt-2): the
 * XHTML a posted resource carries is stored and served back to other clients (an EHR shows it),
 * so what is not plainly the basic formatting subset R4 allows is refused rather than cleaned.
 *
 * Conservative, not a full XHTML parser: one `<div xmlns="http://www.w3.org/1999/xhtml">` root;
 * well-formed, lower-case tags from the R4 subset (HTML 4.0 chapters 7-11 and 12: text, lists,
 * tables, links and images); attributes from a list (no `on*` event handler, no `xlink`, no
 * `<script>`, `<style>`, `<form>`, `<iframe>`, `<object>`…); links and images only to `http(s)`,
 * in-document (`#`) or relative targets (images also to `data:image/png|gif|jpeg`), after
 * character references are decoded; style attributes without `url(`, `expression`, `@import`,
 * escapes or markup; no comments, CDATA, processing instructions or DOCTYPE; and some text (or
 * an image) in it (txt-2).
 *
 * @module
 */

/** The elements R4 allows in a narrative (txt-1), as the reference validators list them. */
const ELEMENTS = new Set([
  'a', 'abbr', 'acronym', 'address', 'b', 'bdo', 'big', 'blockquote', 'br', 'caption', 'cite', 'code', 'col',
  'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img',
  'ins', 'kbd', 'li', 'ol', 'p', 'pre', 'q', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'table', 'tbody',
  'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'ul', 'var',
]);

/** Attributes any element may carry. */
const COMMON_ATTRIBUTES = new Set(['id', 'class', 'style', 'title', 'lang', 'xml:lang', 'dir']);

/** Attributes of particular elements (HTML 4.0, the presentational ones of tables and lists included). */
const ELEMENT_ATTRIBUTES: Record<string, Set<string>> = {
  a: new Set(['href', 'name', 'rel', 'hreflang', 'type']),
  img: new Set(['src', 'alt', 'width', 'height', 'border']),
  table: new Set(['border', 'cellpadding', 'cellspacing', 'summary', 'width', 'frame', 'rules', 'align']),
  td: new Set(['colspan', 'rowspan', 'headers', 'scope', 'abbr', 'axis', 'align', 'valign', 'width', 'height']),
  th: new Set(['colspan', 'rowspan', 'headers', 'scope', 'abbr', 'axis', 'align', 'valign', 'width', 'height']),
  tr: new Set(['align', 'valign']),
  thead: new Set(['align', 'valign']),
  tbody: new Set(['align', 'valign']),
  tfoot: new Set(['align', 'valign']),
  col: new Set(['span', 'width', 'align', 'valign']),
  colgroup: new Set(['span', 'width', 'align', 'valign']),
  ol: new Set(['start', 'type']),
  ul: new Set(['type']),
  li: new Set(['value', 'type']),
  blockquote: new Set(['cite']),
  q: new Set(['cite']),
  ins: new Set(['cite', 'datetime']),
  del: new Set(['cite', 'datetime']),
  p: new Set(['align']),
  div: new Set(['align']),
  h1: new Set(['align']), h2: new Set(['align']), h3: new Set(['align']), h4: new Set(['align']), h5: new Set(['align']), h6: new Set(['align']),
};

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** A tag: `</name>`, or `<name attributes>` / `<name attributes/>`. */
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:_-]*)((?:\s+[a-zA-Z_:][a-zA-Z0-9_:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const ATTRIBUTE = /([a-zA-Z_:][a-zA-Z0-9_:.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/g;
/** A character or entity reference, the only use of `&` in well-formed XML. */
const REFERENCE = /&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/y;

/** Decodes numeric character references and the XML entities (enough to see through `jav&#x61;script:`). */
function decodeReferences(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos);/g, (_, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Math.min(parseInt(ref.slice(2), 16), 0x10ffff));
    if (ref.startsWith('#')) return String.fromCodePoint(Math.min(parseInt(ref.slice(1), 10), 0x10ffff));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: '\'' } as Record<string, string>)[ref]!;
  });
}

/** Whether a link or image target is plainly harmless. */
function safeTarget(value: string, image: boolean): boolean {
  // Whitespace and control characters inside a scheme are ignored by browsers (`java\tscript:`).
  // eslint-disable-next-line no-control-regex
  const target = decodeReferences(value).replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  if (target.startsWith('#') || /^https?:\/\//.test(target)) return true;
  if (image && /^data:image\/(?:png|gif|jpeg);base64,[a-z0-9+/=]*$/.test(target)) return true;
  // Relative: no scheme before the first `/`, `?` or `#`.
  const colon = target.indexOf(':');
  return colon === -1 || /[/?#]/.test(target.slice(0, colon));
}

/** Whether a style attribute is plain declarations (no fetches, no script, no escapes). */
function safeStyle(value: string): boolean {
  const style = decodeReferences(value).toLowerCase();
  return !/url\s*\(|expression|javascript|vbscript|behavio|binding|@import|[\\<>]/.test(style);
}

/** Every problem of a narrative's XHTML (empty: safe); each names the element or attribute, never content. */
export function narrativeProblems(div: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  let text = false;
  let rootClosed = false;
  let i = 0;
  while (i < div.length && out.length < 20) {
    const c = div[i]!;
    if (c === '<') {
      TAG.lastIndex = i;
      const m = TAG.exec(div);
      if (!m) {
        out.push(div.startsWith('<!--', i) ? 'a comment' : div.startsWith('<!', i) || div.startsWith('<?', i)
          ? 'a DOCTYPE, CDATA section or processing instruction' : 'a malformed tag');
        break;
      }
      const [whole, closing, name, attributes, selfClosing] = m as unknown as [string, string, string, string, string];
      i += whole.length;
      if (rootClosed) {
        out.push('content after the root div');
        break;
      }
      if (!ELEMENTS.has(name)) {
        out.push(`element <${name}> is not allowed in a narrative`);
        continue;
      }
      if (closing) {
        if (attributes.trim() !== '' || selfClosing) {
          out.push(`malformed closing tag </${name}>`);
          break;
        }
        const open = stack.pop();
        if (open !== name) {
          out.push(`</${name}> closes ${open === undefined ? 'nothing' : `<${open}>`}`);
          break;
        }
        if (stack.length === 0) rootClosed = true;
        continue;
      }
      if (stack.length === 0 && name !== 'div') {
        out.push('the narrative must be one <div xmlns="http://www.w3.org/1999/xhtml"> element');
        break;
      }
      const seen = new Set<string>();
      let xmlns: string | undefined;
      for (const [, attr, double, single] of attributes.matchAll(ATTRIBUTE)) {
        const key = attr!;
        const value = double ?? single ?? '';
        if (seen.has(key)) out.push(`attribute ${key} repeated on <${name}>`);
        seen.add(key);
        if (key === 'xmlns' && stack.length === 0) {
          xmlns = value;
          continue;
        }
        if (/^on/i.test(key)) {
          out.push(`event handler attribute ${key} on <${name}>`);
          continue;
        }
        if (!COMMON_ATTRIBUTES.has(key) && !ELEMENT_ATTRIBUTES[name]?.has(key)) {
          out.push(`attribute ${key} is not allowed on <${name}>`);
          continue;
        }
        if (/&(?!(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});)/.test(value)) out.push(`a bare & in attribute ${key} of <${name}>`);
        if ((key === 'href' || key === 'src' || key === 'cite') && !safeTarget(value, name === 'img')) {
          out.push(`attribute ${key} of <${name}> points at a target other than http(s), # or a relative one`);
        }
        if (key === 'style' && !safeStyle(value)) out.push(`attribute style of <${name}> has url(), expression, @import, escapes or markup`);
      }
      if (stack.length === 0 && xmlns !== XHTML_NS) out.push('the root div must have xmlns="http://www.w3.org/1999/xhtml"');
      if (name === 'img') text = true;
      if (!selfClosing) stack.push(name);
      else if (stack.length === 0) rootClosed = true;
      continue;
    }
    if (c === '&') {
      REFERENCE.lastIndex = i;
      const m = REFERENCE.exec(div);
      if (!m) {
        out.push('a bare & (not a character or entity reference)');
        break;
      }
      i += m[0].length;
      if (stack.length > 0) text = true;
      continue;
    }
    if (c === '>') {
      out.push('a bare >');
      break;
    }
    if (!/\s/.test(c)) {
      if (stack.length === 0) {
        out.push(rootClosed ? 'content after the root div' : 'the narrative must be one <div xmlns="http://www.w3.org/1999/xhtml"> element');
        break;
      }
      text = true;
    }
    i += 1;
  }
  if (out.length === 0 && (stack.length > 0 || !rootClosed)) out.push('the narrative\'s elements are not all closed');
  if (out.length === 0 && !text) out.push('the narrative has no text (txt-2)');
  return [...new Set(out)];
}
