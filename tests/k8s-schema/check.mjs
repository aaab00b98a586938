// Offline schema check of the Kubernetes manifests, run by scripts/check-k8s-schema.sh (which
// installs this folder's locked packages first):
//
//   node tests/k8s-schema/check.mjs REPO
//
// Every YAML document of REPO/deploy/k8s/**/*.yaml is checked against the API schema of its
// apiVersion/kind in Kubernetes 1.33 (the OpenAPI schema kubernetes-models 4.5.x is generated
// from), the way `kubectl apply --validate=strict` would without a cluster:
//   - types, required fields, enums and formats: the ajv validators kubernetes-models compiled
//     from that schema (new Deployment(obj).validate() throws on a violation);
//   - unknown fields, at any depth: the Kubernetes schema itself does not forbid extra
//     properties (the API server drops them, or refuses them under strict field validation),
//     so the validators above accept them; the TypeScript declarations kubernetes-models
//     generates from the same schema list every field, and the TypeScript checker gives the
//     declared type at each point of the document, against which every key is looked up;
//   - only GA API versions (vN): the package also carries removed beta APIs (extensions/v1beta1
//     and others) that a 1.33 cluster no longer serves.
// Documents that are not Kubernetes API objects get a stated, smaller check:
//   - kustomize.config.k8s.io Kustomization (kustomize's file): its resources exist and every
//     manifest beside it is listed;
//   - the MariaDB Operator's custom resources (k8s.mariadb.com): their CRDs are not part of the
//     Kubernetes schema (nor of any package here), so only the shape every object has
//     (apiVersion, kind, metadata as ObjectMeta, spec an object) and their references (the
//     MariaDB a User or Grant names, the Secret keys they read) are checked.
// Anything else fails: a new kind needs a schema or a stated check here.
//
// Before the manifests, a self-test feeds tests/k8s-schema/selftest.yaml through the same
// checks: documents broken on purpose, each annotated with the findings it must produce (and
// a valid one that must produce none), so a checker that stopped rejecting anything fails.
// Exit status 1 with one line per finding: file:line: kind name: field path: message.
import { createRequire } from "node:module";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const YAML = require("yaml");

const HERE = path.dirname(fileURLToPath(import.meta.url));
const K8S_VERSION = "1.33";
// kubernetes-models 4.5.0 moved its schema to Kubernetes v1.33.0 (its changelog); another
// version of the package means another Kubernetes version: update K8S_VERSION with it
const MODELS_SERIES = "4.5.";
const CUSTOM_GROUPS = { "k8s.mariadb.com": "the MariaDB Operator" };
const SELFTEST_KEY = "selftest.petboarding/expect";

// ------------------------------------------------------------------ loading
function yamlFiles(dir) {
    const out = [];
    for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...yamlFiles(p));
        else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
    return out.sort();
}

// The documents of one file: { file, obj, lineOf(fieldPath) }. YAML 1.1, as Kubernetes'
// decoder reads it (0440 is octal, yes/no are booleans).
function load(file, rel, findings) {
    const text = readFileSync(file, "utf8");
    const lineCounter = new YAML.LineCounter();
    const docs = [];
    for (const doc of YAML.parseAllDocuments(text, { version: "1.1", lineCounter })) {
        const lineAt = (offset) => lineCounter.linePos(offset).line;
        if (doc.errors.length) {
            for (const e of doc.errors) findings.push({ file: rel, line: e.linePos?.[0]?.line ?? 0, what: "", rule: "yaml", path: "", msg: e.message.split("\n")[0] });
            continue;
        }
        if (doc.contents === null) continue;
        const obj = doc.toJS();
        const lineOf = (fieldPath) => {
            const p = [...fieldPath];
            for (;;) {
                const node = p.length ? doc.getIn(p, true) : doc.contents;
                if (node && node.range) return lineAt(node.range[0]);
                if (!p.length) return lineAt(doc.contents.range[0]);
                p.pop();
            }
        };
        docs.push({ file: rel, obj, lineOf });
    }
    return docs;
}

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const fmtPath = (p) => p.reduce((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${k}` : `${k}`), "");

// ------------------------------------------------------------------ classification
// "core" (a Kubernetes API object with a schema), "custom", "kustomization", or an error
function classify(obj) {
    if (!isObj(obj) || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string")
        return { error: "a document without apiVersion and kind" };
    const { apiVersion, kind } = obj;
    if (!/^(?:[a-z0-9.-]+\/)?v\d+(?:(?:alpha|beta)\d+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind))
        return { error: `apiVersion ${JSON.stringify(apiVersion)} / kind ${JSON.stringify(kind)} is malformed` };
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    const version = apiVersion.split("/").pop();
    if (group === "kustomize.config.k8s.io" && kind === "Kustomization") return { type: "kustomization" };
    if (CUSTOM_GROUPS[group]) return { type: "custom", owner: CUSTOM_GROUPS[group] };
    if (!/^v\d+$/.test(version))
        return { error: `${apiVersion} is not a GA API version (Kubernetes ${K8S_VERSION} serves removed betas no more, and others only behind feature gates)` };
    let mod;
    try {
        mod = require(`kubernetes-models/${apiVersion}/${kind}`);
    } catch {
        return { error: `Kubernetes ${K8S_VERSION} has no ${kind} in ${apiVersion}` };
    }
    if (typeof mod[kind] !== "function") return { error: `Kubernetes ${K8S_VERSION} has no ${kind} in ${apiVersion}` };
    return { type: "core", Model: mod[kind], module: `kubernetes-models/${apiVersion}/${kind}`, iface: `I${kind}` };
}

// ------------------------------------------------------------------ schema validators (ajv)
function pointerToPath(obj, pointer) {
    const out = [];
    let cur = obj;
    for (const raw of pointer.split("/").slice(1)) {
        const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        const key = Array.isArray(cur) ? Number(seg) : seg;
        out.push(key);
        cur = cur == null ? undefined : cur[key];
    }
    return out;
}

function ajvFindings(Model, obj, data = obj) {
    try {
        new Model(data).validate();
        return [];
    } catch (e) {
        if (!Array.isArray(e.errors)) throw e;
        return e.errors.map((er) => {
            const p = pointerToPath(data, er.instancePath);
            if (er.keyword === "required") return { rule: "required", path: [...p, er.params.missingProperty], msg: "required field missing" };
            const rule = er.keyword === "format" ? "type" : er.keyword;
            const extra = er.keyword === "enum" ? ` (${er.params.allowedValues.join(", ")})` : "";
            return { rule, path: p, msg: `${er.message}${extra}` };
        });
    }
}

// ------------------------------------------------------------------ unknown fields (TypeScript)
// One virtual module per document, typed with the declaration kubernetes-models generated for
// its kind; the checker's contextual type at each object literal lists the known fields.
function strictFindings(entries) {
    const files = new Map();
    entries.forEach((e, i) => {
        const name = path.join(HERE, ".virtual", `doc${i}.ts`);
        let head;
        if (e.cls.type === "core") head = `import type { ${e.cls.iface} as T } from "${e.cls.module}";\n`;
        else head = 'import type { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";\n' +
            "interface T { apiVersion: string; kind: string; metadata: IObjectMeta; spec?: { [field: string]: any }; status?: any }\n";
        files.set(name, `${head}export const doc: T = ${JSON.stringify(e.data)};\n`);
        e.virtual = name;
    });
    const options = {
        strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ["lib.es5.d.ts"],
        module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2020,
    };
    const host = ts.createCompilerHost(options);
    const { fileExists, readFile, getSourceFile } = host;
    host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
    host.readFile = (f) => (files.has(f) ? files.get(f) : readFile.call(host, f));
    host.getSourceFile = (f, lang, ...rest) => (files.has(f) ? ts.createSourceFile(f, files.get(f), lang, true) : getSourceFile.call(host, f, lang, ...rest));
    const program = ts.createProgram([...files.keys()], options, host);
    const checker = program.getTypeChecker();

    // the object types a value may have at this point (null: anything goes)
    const objectParts = (type) => {
        const t = checker.getNonNullableType(type);
        const parts = t.isUnion() ? t.types : [t];
        if (parts.some((x) => x.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return null;
        return parts.filter((x) => x.flags & ts.TypeFlags.Object);
    };
    const allows = (t, name) => !!checker.getPropertyOfType(t, name) || !!t.getStringIndexType();

    for (const e of entries) {
        e.strict = [];
        const sf = program.getSourceFile(e.virtual);
        const decl = sf.statements.find(ts.isVariableStatement).declarationList.declarations[0];
        // a declaration that did not resolve would make every field pass: fail instead
        if (checker.getTypeAtLocation(decl.type).flags & ts.TypeFlags.Any) {
            e.strict.push({ rule: "internal", path: [], msg: `no TypeScript declaration ${e.cls.iface ?? "T"} in ${e.cls.module ?? "ObjectMeta"}` });
            continue;
        }
        const walk = (node, p) => {
            if (ts.isObjectLiteralExpression(node)) {
                const ctx = checker.getContextualType(node);
                const parts = ctx ? objectParts(ctx) : null;
                for (const prop of node.properties) {
                    const name = prop.name.text;
                    if (parts && parts.length && !parts.some((t) => allows(t, name))) {
                        e.strict.push({ rule: "unknown", path: [...p, name], msg: `unknown field "${name}"` });
                    } else {
                        walk(prop.initializer, [...p, name]);
                    }
                }
            } else if (ts.isArrayLiteralExpression(node)) {
                node.elements.forEach((el, i) => walk(el, [...p, i]));
            }
        };
        walk(decl.initializer, []);
    }
}

// ------------------------------------------------------------------ the smaller checks
function kustomizationFindings(entry, repo, allDocs) {
    const out = [];
    const dir = path.dirname(path.join(repo, entry.file));
    const res = entry.obj.resources ?? [];
    if (!Array.isArray(res)) return [{ rule: "type", path: ["resources"], msg: "must be a list" }];
    res.forEach((r, i) => {
        if (typeof r !== "string" || !existsSync(path.join(dir, r))) out.push({ rule: "missing", path: ["resources", i], msg: `${r} does not exist beside it` });
    });
    for (const f of readdirSync(dir)) {
        if (/\.ya?ml$/.test(f) && f !== path.basename(entry.file) && !res.includes(f))
            out.push({ rule: "unlisted", path: ["resources"], msg: `${f} is beside it but not listed` });
    }
    (entry.obj.images ?? []).forEach((img, i) => {
        for (const k of Object.keys(img ?? {}))
            if (!["name", "newName", "newTag", "digest"].includes(k)) out.push({ rule: "unknown", path: ["images", i, k], msg: `unknown field "${k}"` });
    });
    return out;
}

function customFindings(entry, allDocs) {
    const out = [];
    const { obj } = entry;
    const ns = obj.metadata?.namespace;
    if (!isObj(obj.metadata) || typeof obj.metadata.name !== "string") out.push({ rule: "required", path: ["metadata", "name"], msg: "required field missing" });
    if (isObj(obj.metadata)) {
        const { ObjectMeta } = require("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta");
        for (const f of ajvFindings(ObjectMeta, obj.metadata)) out.push({ ...f, path: ["metadata", ...f.path] });
    }
    if (obj.spec !== undefined && !isObj(obj.spec)) out.push({ rule: "type", path: ["spec"], msg: "must be object" });
    const find = (kind, name) => allDocs.find((d) => d.obj?.kind === kind && d.obj.metadata?.name === name && d.obj.metadata?.namespace === ns);
    const ref = obj.spec?.mariaDbRef;
    if (ref !== undefined && !(isObj(ref) && find("MariaDB", ref.name)))
        out.push({ rule: "reference", path: ["spec", "mariaDbRef", "name"], msg: `no MariaDB ${JSON.stringify(ref?.name)} in namespace ${ns} under deploy/k8s` });
    // every *SecretKeyRef names a key of a Secret under deploy/k8s (the template)
    const walk = (v, p) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
        else if (isObj(v)) {
            for (const [k, x] of Object.entries(v)) {
                if (/SecretKeyRef$/.test(k) && isObj(x)) {
                    const s = find("Secret", x.name);
                    const keys = s ? Object.keys({ ...(s.obj.data ?? {}), ...(s.obj.stringData ?? {}) }) : [];
                    if (!keys.includes(x.key)) out.push({ rule: "reference", path: [...p, k], msg: `Secret ${x.name} under deploy/k8s has no key ${x.key}` });
                } else walk(x, [...p, k]);
            }
        }
    };
    walk(obj.spec, ["spec"]);
    return out;
}

// ------------------------------------------------------------------ one set of documents
// Fills each entry's findings (entries are { file, obj, lineOf }) but the unknown fields',
// and returns the entries that need that check: one TypeScript program for all of them
// (the self-test's and the manifests') costs half as much as two.
function check(entries, repo, allDocs) {
    const typed = [];
    for (const e of entries) {
        e.cls = classify(e.obj);
        e.findings = [];
        if (e.cls.error) {
            e.findings.push({ rule: "api", path: [], msg: e.cls.error });
        } else if (e.cls.type === "core") {
            e.data = e.obj;
            e.findings.push(...ajvFindings(e.cls.Model, e.obj));
            typed.push(e);
        } else if (e.cls.type === "custom") {
            e.data = e.obj;
            e.findings.push(...customFindings(e, allDocs));
            typed.push(e);
        } else {
            e.findings.push(...kustomizationFindings(e, repo, allDocs));
        }
    }
    return typed;
}

function checkStrict(typed) {
    if (typed.length) strictFindings(typed);
    for (const e of typed) e.findings.push(...e.strict);
}

const label = (e) => (isObj(e.obj) ? `${e.obj.kind ?? "?"} ${e.obj.metadata?.name ?? "?"}` : "?");
const line = (e, f) => `${e.file}:${e.lineOf(f.path)}: ${label(e)}: ${f.path.length ? fmtPath(f.path) + ": " : ""}${f.msg}`;

// ------------------------------------------------------------------ main
function main() {
    const repo = path.resolve(process.argv[2] ?? path.join(HERE, "../.."));
    const problems = [];
    const version = JSON.parse(readFileSync(require.resolve("kubernetes-models/package.json"), "utf8")).version;
    if (!version.startsWith(MODELS_SERIES)) {
        console.error(`FAIL kubernetes-models ${version} is installed, this check states Kubernetes ${K8S_VERSION} for ${MODELS_SERIES}x: update K8S_VERSION in ${path.relative(repo, fileURLToPath(import.meta.url))}`);
        process.exit(1);
    }

    // the self-test: each document's findings, as "rule path", must be exactly those announced
    const stFile = path.join(HERE, "selftest.yaml");
    const stLoad = [];
    const st = load(stFile, path.relative(repo, stFile), stLoad);
    const findings = [];
    const docs = [];
    for (const f of yamlFiles(path.join(repo, "deploy/k8s"))) docs.push(...load(f, path.relative(repo, f), findings));
    checkStrict([...check(st, repo, st), ...check(docs, repo, docs)]);

    let rejected = 0;
    for (const e of st) {
        const want = String(e.obj?.metadata?.annotations?.[SELFTEST_KEY] ?? "").split(";").map((s) => s.trim()).filter(Boolean).sort();
        const got = e.findings.map((f) => `${f.rule} ${fmtPath(f.path)}`.trim()).sort();
        const uniq = [...new Set(got)];
        if (JSON.stringify(uniq) !== JSON.stringify(want))
            problems.push(`self-test ${e.file}: ${label(e)}: expected [${want.join("; ")}], got [${uniq.join("; ")}]${e.findings.length ? "\n       " + e.findings.map((f) => line(e, f)).join("\n       ") : ""}`);
        if (want.length) rejected++;
    }
    if (stLoad.length || st.length < 3 || rejected < 2) problems.push(`self-test ${path.relative(repo, stFile)}: too few documents or not loadable`);

    // the manifests
    for (const f of findings) problems.push(`${f.file}:${f.line}: ${f.msg}`);
    for (const e of docs) for (const f of e.findings) problems.push(line(e, f));

    const count = (t) => docs.filter((e) => e.cls.type === t).length;
    for (const p of problems) console.error(`FAIL ${p}`);
    if (problems.length) {
        console.error(`k8s-schema: ${problems.length} finding(s) (schema of Kubernetes ${K8S_VERSION}, kubernetes-models ${version})`);
        process.exit(1);
    }
    console.log(`self-test: ${rejected} broken documents rejected as expected, ${st.length - rejected} valid one(s) accepted`);
    console.log(`${count("core")} documents valid against the schema of Kubernetes ${K8S_VERSION} (kubernetes-models ${version}), no unknown fields`);
    const groups = [...new Set(docs.filter((e) => e.cls.type === "custom").map((e) => `${e.obj.apiVersion} (${e.cls.owner})`))];
    if (groups.length)
        console.log(`${count("custom")} custom resources of ${groups.join(", ")}: their CRDs are not in the Kubernetes schema; checked apiVersion/kind/metadata/spec shape and references only`);
    if (count("kustomization"))
        console.log(`${count("kustomization")} kustomization (kustomize's file, not an API object): checked its resources exist and list every manifest beside it`);
}

main();
