// Just enough XML for the S3 REST protocol: writing responses and reading the few request bodies
// (CompleteMultipartUpload, DeleteObjects) whose shape is fixed.

const XML_ENTITIES: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&apos;',
  '"': '&quot;',
}

export function escapeXml(s: string): string {
  let out = ''
  for (const c of s) {
    const code = c.charCodeAt(0)
    if (XML_ENTITIES[c]) out += XML_ENTITIES[c]
    else if (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') out += `&#x${code.toString(16)};`
    else out += c
  }
  return out
}

export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlNode[]
export interface XmlNode {
  [tag: string]: XmlValue
}

/** Serializes `{ Tag: value }`; arrays repeat the tag of their parent key. */
export function toXml(root: string, body: XmlNode, ns = 'http://s3.amazonaws.com/doc/2006-03-01/'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns ? ` xmlns="${ns}"` : ''}>${children(body)}</${root}>`
}

function children(node: XmlNode): string {
  let out = ''
  for (const [tag, value] of Object.entries(node)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      for (const item of value) out += `<${tag}>${children(item)}</${tag}>`
    } else if (typeof value === 'object') {
      out += `<${tag}>${children(value)}</${tag}>`
    } else {
      out += `<${tag}>${escapeXml(String(value))}</${tag}>`
    }
  }
  return out
}

export function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|apos|quot|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    switch (e) {
      case 'lt':
        return '<'
      case 'gt':
        return '>'
      case 'amp':
        return '&'
      case 'apos':
        return "'"
      case 'quot':
        return '"'
      default:
        return String.fromCodePoint(
          e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10),
        )
    }
  })
}

/** The text of every `<tag>…</tag>` element inside `xml`, in order. */
export function elements(xml: string, tag: string): string[] {
  const out: string[] = []
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g')
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]!)
  return out
}

export function element(xml: string, tag: string): string | undefined {
  const v = elements(xml, tag)[0]
  return v === undefined ? undefined : unescapeXml(v)
}
