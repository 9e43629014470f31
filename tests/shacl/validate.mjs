// SHACL check of CASE/UCO data, as case_validate does it: the ontology files
// are the shapes graph and are also merged into the data graph (so that
// sh:targetClass reaches subclasses through their rdfs:subClassOf triples),
// with SPARQL-based constraints on (UCO forbids blank nodes through one).
// Usage: node validate.mjs DATA.jsonld|DATA.ttl... -- ONTOLOGY.ttl...
// Each data file is validated on its own (the ontology parsed once). For
// each: "file: DATA", "conforms: true|false", "results: N", one "result:"
// line per result. Exits 0 when every file conforms with no result of any
// severity, 1 when one does not, 2 on an error (unreadable or unparsable).
import { readFileSync } from 'node:fs'
import rdf from '@rdfjs/data-model'
import rdfDataset from '@rdfjs/dataset'
import { JsonLdParser } from 'jsonld-streaming-parser'
import { Parser as N3Parser } from 'n3'
import { Validator } from 'shacl-engine'
import { targetResolvers, validations } from 'shacl-engine/sparql.js'

function parseTurtle (file, into) {
  const quads = new N3Parser({ factory: rdf, baseIRI: 'file://' + file }).parse(readFileSync(file, 'utf8'))
  for (const q of quads) into.add(q)
}

function parseJsonLd (file, into) {
  return new Promise((resolve, reject) => {
    // No document loader: the export's context is inline, nothing is fetched.
    const p = new JsonLdParser({ dataFactory: rdf, baseIRI: 'file://' + file, strictValues: true })
    p.on('data', q => into.add(q))
    p.on('error', reject)
    p.on('end', resolve)
    p.write(readFileSync(file, 'utf8'))
    p.end()
  })
}

const args = process.argv.slice(2)
const sep = args.indexOf('--')
if (sep < 1 || sep === args.length - 1) {
  console.error('usage: node validate.mjs DATA... -- ONTOLOGY.ttl...')
  process.exit(2)
}
const dataFiles = args.slice(0, sep)
const ontFiles = args.slice(sep + 1)
try {
  const shapes = rdfDataset.dataset()
  for (const f of ontFiles) parseTurtle(f, shapes)
  const validator = new Validator(shapes, { factory: rdf, targetResolvers, validations })
  const short = t => (t ? t.value : '-')
  let all = true
  for (const f of dataFiles) {
    const data = rdfDataset.dataset()
    for (const q of shapes) data.add(q)
    if (f.endsWith('.ttl')) parseTurtle(f, data)
    else await parseJsonLd(f, data)
    const report = await validator.validate({ dataset: data })
    const n = report.results.length
    const ok = report.conforms && n === 0
    all &&= ok
    console.log(`file: ${f}`)
    console.log(`conforms: ${ok}`)
    console.log(`results: ${n}`)
    for (const r of report.results) {
      const msg = r.message.map(m => m.value).join('; ')
      const path = r.path ? r.path.map(p => p.predicates.map(x => x.value).join('|')).join('/') : '-'
      console.log(`result: ${short(r.severity).replace(/.*#/, '')} focus ${short(r.focusNode)} path ${path} value ${short(r.value)} ${short(r.constraintComponent).replace(/.*#/, '')}${msg ? ': ' + msg : ''}`)
    }
  }
  process.exit(all ? 0 : 1)
} catch (e) {
  console.error(`validate.mjs: ${e.message}`)
  process.exit(2)
}
