// The keywords agoractl adds to JSON Schema, as Ajv code generators, so the validators compiled
// ahead of time (gen-validators.ts) carry them. Editors ignore unknown keywords, so the
// schemas stay usable there; the validators enforce them.
// - maxBytes: UTF-8 length; Agora counts channelName and streamUrl limits in bytes, while
//   maxLength counts characters (media-pull-rest-api.txt).
// - secret: refuses a literal string where a secret reference is expected; its value names the
//   accepted forms for the hint.
// - maxJoinedLength: the length of a string list joined with '/' (fileNamePrefix, at most 128
//   characters including the slashes: Cloud Recording storageConfig).
// - errorMessage: an annotation, as in VS Code's JSON schemas: the message shown when the value
//   has the wrong shape (type, pattern, format, none of the allowed forms).
import { _, type KeywordDefinition } from 'ajv/dist/2020.js';

export const AGORACTL_KEYWORDS: readonly KeywordDefinition[] = [
  { keyword: 'errorMessage', schemaType: 'string' },
  {
    keyword: 'maxBytes',
    type: 'string',
    schemaType: 'number',
    code: (cxt) => cxt.fail(_`Buffer.byteLength(${cxt.data}, "utf8") > ${cxt.schema}`),
  },
  {
    keyword: 'secret',
    schemaType: 'string',
    code: (cxt) => cxt.fail(_`typeof ${cxt.data} === "string"`),
  },
  {
    keyword: 'maxJoinedLength',
    type: 'array',
    schemaType: 'number',
    code: (cxt) => cxt.fail(_`${cxt.data}.map(String).join("/").length > ${cxt.schema}`),
  },
];
