//! In-process tests of every request the server advertises, through the real
//! JSON-RPC loop: hover, completion (+ resolve), signature help, definition,
//! references, highlights, prepareRename / rename, document and workspace symbols,
//! folding, selection ranges, semantic tokens (full, delta, range), formatting
//! (document, range, on-type), code actions and inlay hints.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const URI: &str = "file:///t/main.gene";

const PROGRAM: &str = "\
# Adds two numbers.
(fn add [a b]
  (a + b))
(var total (add 1 2))
(println total)
(class Point
  (ctor [x y]
    (/x = x)
    (/y = y))
  (method norm []
    (/x + /y)))
(ns geo
  (fn area [w h] (w * h)))
(var fut (sleep_async 10))
(await fut)
(fn counter []
  (var n 0)
  (n += 1)
  n)
";

/// A server (UTF-16) with PROGRAM open and analysed.
async fn with_program() -> Client {
    let mut c = Client::start_default().await;
    c.open_and_wait(URI, PROGRAM).await;
    c
}

fn at(needle: &str, delta: usize) -> Value {
    json!({"textDocument": {"uri": URI}, "position": pos_of(PROGRAM, needle, delta, Enc::Utf16)})
}

fn covered(r: &Value) -> String {
    text_at(PROGRAM, r, Enc::Utf16)
}

fn td() -> Value {
    json!({"uri": URI})
}

// ---------------------------------------------------------------- hover

#[tokio::test]
async fn hover_on_user_function_native_and_variables() {
    let mut c = with_program().await;
    let h = c.ok("textDocument/hover", at("add 1", 1)).await;
    let md = h["contents"]["value"].as_str().unwrap();
    assert_eq!(h["contents"]["kind"], "markdown");
    assert!(md.contains("(fn add [a b])"), "{md}");
    assert!(md.contains("Adds two numbers."), "{md}");
    assert_eq!(covered(&h["range"]), "add");

    let h = c.ok("textDocument/hover", at("sleep_async", 3)).await;
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("(gene/sleep_async"), "{md}");
    assert!(md.contains("Also: `sleep_async`"), "{md}");
    assert!(md.contains("**future**"), "{md}");
    assert!(md.contains("*native*"), "{md}");

    let h = c.ok("textDocument/hover", at("total)", 0)).await;
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("total"), "{md}");
    assert_eq!(covered(&h["range"]), "total");

    // Parameter.
    let h = c.ok("textDocument/hover", at("(a + b)", 1)).await;
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("parameter"), "{md}");

    // Nothing under the cursor: null.
    let h = c.ok("textDocument/hover", at("# Adds", 0)).await;
    assert!(h.is_null(), "{h}");
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- completion

fn labels(r: &Value) -> Vec<String> {
    r.as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn item<'a>(r: &'a Value, label: &str) -> &'a Value {
    r.as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {:?}", labels(r)))
}

#[tokio::test]
async fn no_snippets_for_a_client_without_snippet_support() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/plain.gene";
    let text = "(t)\n";
    c.open_and_wait(uri, text).await;
    let r = c
        .ok(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": pos_of(text, "t)", 1, Enc::Utf16)}),
        )
        .await;
    let t = item(&r, "try");
    assert!(t.get("insertTextFormat").is_none(), "{t}");
    assert!(t.get("insertText").is_none(), "{t}");
}

#[tokio::test]
async fn completion_and_resolve() {
    let caps = json!({"capabilities": {"textDocument": {"completion": {"completionItem": {"snippetSupport": true}}}}});
    let mut c = Client::start(caps).await.0;
    let uri = "file:///t/complete.gene";
    let text =
        "(var total 1)\n(fn tally [tick]\n  (var temp 2)\n  (t))\n(xs .pu)\n(gene/io/)\n(fi)\n";
    c.open_and_wait(uri, text).await;
    let p = |needle: &str, delta: usize| json!({"textDocument": {"uri": uri}, "position": pos_of(text, needle, delta, Enc::Utf16)});
    // Locals, parameters, the file's definitions, keywords: all starting with `t`.
    let r = c.ok("textDocument/completion", p("(t))", 2)).await;
    let ls = labels(&r);
    for want in ["total", "tally", "tick", "temp", "true", "try", "throw"] {
        assert!(ls.contains(&want.to_string()), "{want} in {ls:?}");
    }
    assert!(ls.iter().all(|l| l.starts_with('t')), "{ls:?}");
    assert_eq!(item(&r, "tick")["kind"], 6, "variable");
    assert_eq!(item(&r, "tick")["detail"], "parameter");
    assert_eq!(item(&r, "temp")["detail"], "local");
    assert_eq!(item(&r, "tally")["kind"], 3, "function");
    assert_eq!(item(&r, "tally")["detail"], "(fn tally [tick])");
    // A special form comes with a snippet.
    let t = item(&r, "try");
    assert_eq!(t["kind"], 14, "keyword");
    assert_eq!(t["insertTextFormat"], 2, "snippet");
    assert!(t["insertText"].as_str().unwrap().contains("catch"), "{t}");
    // Typed after `(`: the snippet does not open a second form.
    assert_eq!(t["insertText"], "try\n  ${1:body}\ncatch *\n  ${0}", "{t}");
    // Methods after ` .`.
    let r = c.ok("textDocument/completion", p(".pu", 3)).await;
    let push = item(&r, ".push");
    assert_eq!(push["kind"], 2, "method");
    assert!(labels(&r).iter().all(|l| l.starts_with(".pu")));
    // Natives by full path after `ns/`.
    let r = c.ok("textDocument/completion", p("gene/io/", 8)).await;
    assert!(labels(&r).contains(&"gene/io/read_async".to_string()));
    // Deprecated natives are tagged.
    let r = c.ok("textDocument/completion", p("(fi)", 3)).await;
    let fr = item(&r, "file_read");
    assert_eq!(fr["tags"], json!([1]), "{fr}");
    assert_eq!(fr["kind"], 3);

    // Resolve adds the documentation of a native.
    let resolved = c.ok("completionItem/resolve", fr.clone()).await;
    let doc = resolved["documentation"]["value"].as_str().unwrap();
    assert_eq!(resolved["documentation"]["kind"], "markdown");
    // `file_read` is an alias: the doc shows the native's full path.
    assert!(doc.contains("(gene/io/read path)"), "{doc}");
    assert!(doc.contains("**Deprecated:**"), "{doc}");
    assert_eq!(resolved["label"], "file_read");
    // A user name has no documentation to add: the item comes back as it was.
    let tally = json!({"label": "tally", "kind": 3});
    let resolved = c.ok("completionItem/resolve", tally.clone()).await;
    assert_eq!(resolved, tally);
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- signature help

#[tokio::test]
async fn signature_help_tracks_the_active_parameter() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/sig.gene";
    let text = "(fn add [a b c] (a + b + c))\n(add 1 2 )\n(println 1 2 3 )\n(var x 1)\n(fn kw [a ^opt b = 2] a)\n(kw 1 )\n";
    c.open_and_wait(uri, text).await;
    let p = |needle: &str, delta: usize| json!({"textDocument": {"uri": uri}, "position": pos_of(text, needle, delta, Enc::Utf16)});
    let s = c.ok("textDocument/signatureHelp", p("(add 1 2 )", 9)).await;
    assert_eq!(s["activeSignature"], 0);
    assert_eq!(s["activeParameter"], 2);
    let sig = &s["signatures"][0];
    assert_eq!(sig["label"], "(fn add [a b c])");
    // Offsets into the label, so no client takes the `a` of `add` for `a`.
    assert_eq!(
        sig["parameters"],
        json!([{"label": [9, 10]}, {"label": [11, 12]}, {"label": [13, 14]}])
    );
    assert_eq!(sig["activeParameter"], 2);
    // First argument.
    let s = c.ok("textDocument/signatureHelp", p("(add 1 2 )", 5)).await;
    assert_eq!(s["activeParameter"], 0);
    // A native with a rest parameter keeps it active, and has its doc.
    let s = c
        .ok("textDocument/signatureHelp", p("(println 1 2 3 )", 15))
        .await;
    assert!(s["signatures"][0]["label"]
        .as_str()
        .unwrap()
        .starts_with("(println"));
    assert!(s["signatures"][0]["documentation"].is_string(), "{s}");
    assert_eq!(s["activeParameter"], 0);
    assert_eq!(s["signatures"][0]["label"], "(println values...)");
    assert_eq!(
        s["signatures"][0]["parameters"],
        json!([{"label": [9, 18]}])
    );
    // Keyword parameters are not positional: the second argument is `b`.
    let s = c.ok("textDocument/signatureHelp", p("(kw 1 )", 6)).await;
    let sig = &s["signatures"][0];
    assert_eq!(sig["label"], "(fn kw [a ^opt b = 2])");
    assert_eq!(
        sig["parameters"],
        json!([{"label": [8, 9]}, {"label": [15, 16]}])
    );
    assert_eq!(s["activeParameter"], 1);
    // Outside any call: null.
    let s = c.ok("textDocument/signatureHelp", p("\n(add", 0)).await;
    assert!(s.is_null(), "{s}");
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- navigation

#[tokio::test]
async fn definition_of_globals_locals_and_methods() {
    let mut c = with_program().await;
    let d = c.ok("textDocument/definition", at("(add 1", 2)).await;
    assert_eq!(d["uri"], URI);
    assert_eq!(covered(&d["range"]), "add");
    assert_eq!(d["range"]["start"]["line"], 1);
    let d = c
        .ok("textDocument/definition", at("(println total)", 10))
        .await;
    assert_eq!(covered(&d["range"]), "total");
    assert_eq!(d["range"]["start"]["line"], 3);
    let d = c.ok("textDocument/definition", at("(await fut)", 8)).await;
    assert_eq!(d["range"]["start"]["line"], 13);
    // A parameter.
    let d = c.ok("textDocument/definition", at("(w * h)", 1)).await;
    assert_eq!(covered(&d["range"]), "w");
    assert_eq!(d["range"]["start"]["line"], 12);
    // A native has no definition in the file.
    let d = c.ok("textDocument/definition", at("println", 2)).await;
    assert!(d.is_null(), "{d}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn references_with_and_without_the_declaration() {
    let mut c = with_program().await;
    let mut p = at("(var n 0)", 6);
    p["context"] = json!({"includeDeclaration": true});
    let with = c.ok("textDocument/references", p.clone()).await;
    let lines: Vec<u64> = with
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [16, 17, 18], "{with}");
    for l in with.as_array().unwrap() {
        assert_eq!(l["uri"], URI);
        assert_eq!(covered(&l["range"]), "n");
    }
    p["context"] = json!({"includeDeclaration": false});
    let without = c.ok("textDocument/references", p).await;
    assert_eq!(without.as_array().unwrap().len(), 2, "{without}");
    assert!(without
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["range"]["start"]["line"] != 16));
    // A global function: its definition and its call.
    let mut p = at("(add 1", 2);
    p["context"] = json!({"includeDeclaration": true});
    let r = c.ok("textDocument/references", p).await;
    assert_eq!(r.as_array().unwrap().len(), 2, "{r}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn document_highlights_tell_reads_from_writes() {
    let mut c = with_program().await;
    let hs = c
        .ok("textDocument/documentHighlight", at("(n += 1)", 1))
        .await;
    let got: Vec<(u64, u64)> = hs
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["range"]["start"]["line"].as_u64().unwrap(),
                h["kind"].as_u64().unwrap(),
            )
        })
        .collect();
    // Text = 1, Read = 2, Write = 3.
    assert_eq!(got, [(16, 3), (17, 3), (18, 2)], "{hs}");
    // Nothing to highlight on a comment.
    let hs = c
        .ok("textDocument/documentHighlight", at("# Adds", 3))
        .await;
    assert_eq!(hs, json!([]));
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn prepare_rename_rename_and_refusals() {
    let mut c = with_program().await;
    let r = c.ok("textDocument/prepareRename", at("(n += 1)", 1)).await;
    assert_eq!(covered(&r), "n");
    let mut p = at("(n += 1)", 1);
    p["newName"] = json!("count");
    let edit = c.ok("textDocument/rename", p).await;
    let edits = edit["changes"][URI].as_array().unwrap();
    assert_eq!(edits.len(), 3);
    let renamed = apply_edits(PROGRAM, edits, Enc::Utf16);
    assert!(
        renamed.ends_with("(fn counter []\n  (var count 0)\n  (count += 1)\n  count)\n"),
        "{renamed}"
    );
    assert_eq!(renamed.len(), PROGRAM.len() + 3 * 4);

    // A global function: definition and call.
    let mut p = at("(fn add", 4);
    p["newName"] = json!("plus");
    let edit = c.ok("textDocument/rename", p).await;
    let renamed = apply_edits(
        PROGRAM,
        edit["changes"][URI].as_array().unwrap(),
        Enc::Utf16,
    );
    assert!(renamed.contains("(fn plus [a b]") && renamed.contains("(var total (plus 1 2))"));

    // Refusals: a native, a keyword, a special form, an invalid new name.
    for (needle, delta) in [("println", 2), ("(fn add", 2), ("(var total", 2)] {
        let e = c.err("textDocument/prepareRename", at(needle, delta)).await;
        assert_eq!(e["code"], -32602, "{needle}: {e}");
        assert!(!e["message"].as_str().unwrap().is_empty());
        let mut p = at(needle, delta);
        p["newName"] = json!("whatever");
        let e = c.err("textDocument/rename", p).await;
        assert_eq!(e["code"], -32602, "{needle}: {e}");
    }
    let e = c.err("textDocument/prepareRename", at("println", 2)).await;
    assert!(e["message"].as_str().unwrap().contains("println"), "{e}");
    for bad in ["if", "", "a b", "+"] {
        let mut p = at("(n += 1)", 1);
        p["newName"] = json!(bad);
        let e = c.err("textDocument/rename", p).await;
        assert_eq!(e["code"], -32602, "{bad:?}: {e}");
    }
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- symbols

#[tokio::test]
async fn document_symbols_are_nested() {
    let mut c = with_program().await;
    let syms = c
        .ok("textDocument/documentSymbol", json!({"textDocument": td()}))
        .await;
    fn render(syms: &Value, depth: usize, out: &mut Vec<String>) {
        for s in syms.as_array().unwrap() {
            out.push(format!(
                "{}{} {}",
                "  ".repeat(depth),
                s["kind"],
                s["name"].as_str().unwrap()
            ));
            if let Some(ch) = s.get("children") {
                render(ch, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    render(&syms, 0, &mut out);
    // Function 12, Variable 13, Class 5, Method 6, Namespace 3.
    assert_eq!(
        out,
        [
            "12 add",
            "13 total",
            "5 Point",
            "  6 ctor",
            "  6 norm",
            "3 geo",
            "  12 area",
            "13 fut",
            "12 counter",
        ],
        "{syms}"
    );
    let add = &syms[0];
    assert_eq!(add["detail"], "[a b]");
    assert_eq!(covered(&add["selectionRange"]), "add");
    assert!(covered(&add["range"]).starts_with("(fn add"));
    c.shutdown_and_exit().await;
}

fn names(r: &Value) -> Vec<String> {
    r.as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn workspace_symbols_over_the_workspace_folders() {
    let ws = TempDir::new("ws");
    let lib = ws.write(
        "lib/shapes.gene",
        "(class Square (method side [] 1))\n(fn area_of [s] s)\n",
    );
    ws.write("app.gene", "(fn main [] (area_of 1))\n");
    ws.write("target/skip.gene", "(fn skipped [] 1)\n");
    ws.write(".hidden/skip.gene", "(fn hidden [] 1)\n");
    ws.write("notes.txt", "(fn not_gene [] 1)\n");
    let (mut c, _) = Client::start(json!({
        "capabilities": {},
        "workspaceFolders": [{"uri": ws.uri(), "name": "ws"}],
    }))
    .await;
    c.wait_for("the indexing log", |n| n["method"] == "window/logMessage")
        .await;
    let r = c.ok("workspace/symbol", json!({"query": "area"})).await;
    assert_eq!(names(&r), ["area_of"]);
    let s = &r[0];
    assert_eq!(s["kind"], 12);
    assert_eq!(s["location"]["uri"], file_uri(&lib));
    assert_eq!(s["location"]["range"]["start"]["line"], 1);
    // Fuzzy: the query's characters in order; containers for members.
    let r = c.ok("workspace/symbol", json!({"query": "sqr"})).await;
    assert_eq!(names(&r), ["Square"]);
    let r = c.ok("workspace/symbol", json!({"query": "side"})).await;
    assert_eq!(r[0]["containerName"], "Square");
    // Everything, but not the skipped folders or other files.
    let r = c.ok("workspace/symbol", json!({"query": ""})).await;
    let mut all = names(&r);
    all.sort();
    assert_eq!(all, ["Square", "area_of", "main", "side"]);

    // An open document's edits are indexed.
    let app = file_uri(&ws.0.join("app.gene"));
    c.open(&app, 1, "(fn main [] 1)\n(fn freshly_typed [] 2)\n")
        .await;
    c.diagnostics_at(&app, 1).await;
    let r = c.ok("workspace/symbol", json!({"query": "freshly"})).await;
    assert_eq!(names(&r), ["freshly_typed"]);

    // Watched files: a new file and a deleted one.
    let new = ws.write("more.gene", "(fn brand_new [] 1)\n");
    std::fs::remove_file(&lib).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": file_uri(&new), "type": 1},
            {"uri": file_uri(&lib), "type": 3},
        ]}),
    )
    .await;
    let r = c.ok("workspace/symbol", json!({"query": ""})).await;
    let mut all = names(&r);
    all.sort();
    assert_eq!(all, ["brand_new", "freshly_typed", "main"]);
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn workspace_symbols_from_a_root_uri() {
    let ws = TempDir::new("root");
    ws.write("only.gene", "(fn from_root [] 1)\n");
    let (mut c, _) = Client::start(json!({"capabilities": {}, "rootUri": ws.uri()})).await;
    c.wait_for("the indexing log", |n| n["method"] == "window/logMessage")
        .await;
    let r = c.ok("workspace/symbol", json!({"query": "root"})).await;
    assert_eq!(names(&r), ["from_root"]);
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- structure

#[tokio::test]
async fn folding_ranges_for_forms_strings_and_comments() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/fold.gene";
    let text =
        "# one\n# two\n(fn f [x]\n  (println\n    x))\n(var s \"a\nb\")\n#< block\ncomment >#\n";
    c.open_and_wait(uri, text).await;
    let r = c
        .ok(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let got: Vec<(u64, u64, String)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(u64, u64, String)> = [
        (0, 1, "comment"),
        (2, 4, "region"),
        (3, 4, "region"),
        (5, 6, "region"),
        (7, 8, "comment"),
    ]
    .iter()
    .map(|(a, b, k)| (*a, *b, k.to_string()))
    .collect();
    assert_eq!(got, want, "{r}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn selection_ranges_grow_outwards() {
    let mut c = with_program().await;
    let p1 = pos_of(PROGRAM, "(w * h)", 5, Enc::Utf16);
    let p2 = pos_of(PROGRAM, "(var total", 5, Enc::Utf16);
    let r = c
        .ok(
            "textDocument/selectionRange",
            json!({"textDocument": td(), "positions": [p1, p2]}),
        )
        .await;
    let chain = |mut s: &Value| {
        let mut out = Vec::new();
        loop {
            out.push(covered(&s["range"]));
            match s.get("parent") {
                Some(p) if !p.is_null() => s = p,
                _ => break,
            }
        }
        out
    };
    assert_eq!(r.as_array().unwrap().len(), 2);
    let first = chain(&r[0]);
    assert_eq!(
        first[..3],
        ["h", "(w * h)", "(fn area [w h] (w * h))"],
        "{first:?}"
    );
    assert!(first[3].starts_with("(ns geo"));
    assert_eq!(first.last().unwrap(), PROGRAM, "the whole file last");
    let second = chain(&r[1]);
    assert_eq!(second[0], "total");
    assert_eq!(second[1], "(var total (add 1 2))");
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- semantic tokens

type Tok = [u32; 5];

fn tokens(data: &Value) -> Vec<Tok> {
    let flat: Vec<u32> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(flat.len() % 5, 0);
    flat.chunks(5)
        .map(|c| [c[0], c[1], c[2], c[3], c[4]])
        .collect()
}

/// Absolute (line, start, length, type, modifiers) from the relative encoding.
fn absolute(toks: &[Tok]) -> Vec<Tok> {
    let (mut line, mut start) = (0, 0);
    toks.iter()
        .map(|t| {
            if t[0] > 0 {
                line += t[0];
                start = t[1];
            } else {
                start += t[1];
            }
            [line, start, t[2], t[3], t[4]]
        })
        .collect()
}

fn token_text(text: &str, t: &Tok) -> String {
    let a = offset_of(text, &pos(t[0], t[1]), Enc::Utf16);
    let b = offset_of(text, &pos(t[0], t[1] + t[2]), Enc::Utf16);
    text[a..b].to_string()
}

#[tokio::test]
async fn semantic_tokens_full_delta_and_range() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/tokens.gene";
    let mut text = String::from(
        "# é comment\n(fn greet [name]\n  (println \"héllo\" name 42))\n(file_read \"x\")\n",
    );
    c.open_and_wait(uri, &text).await;
    let full = c
        .ok(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let id1 = full["resultId"].as_str().unwrap().to_string();
    let toks = tokens(&full["data"]);
    let abs = absolute(&toks);
    let described: Vec<(String, u32, u32)> = abs
        .iter()
        .map(|t| (token_text(&text, t), t[3], t[4]))
        .collect();
    // function 0, variable 1, parameter 2, keyword 4, string 5, number 6, comment 7;
    // declaration 1, async 2, deprecated 4, defaultLibrary 8.
    assert_eq!(
        described,
        [
            ("# é comment".into(), 7, 0),
            ("fn".into(), 4, 0),
            ("greet".into(), 0, 1),
            ("name".into(), 2, 1),
            ("println".into(), 0, 8),
            ("\"héllo\"".into(), 5, 0),
            ("name".into(), 2, 0),
            ("42".into(), 6, 0),
            ("file_read".into(), 0, 8 | 4),
            ("\"x\"".into(), 5, 0),
        ],
        "{described:?}"
    );

    // Edit, then ask for a delta against the first result.
    text = text.replace("(file_read \"x\")", "(sleep_async 5)\n(var answer 7)");
    c.change(uri, 2, &[(Value::Null, &text)]).await;
    c.diagnostics_at(uri, 2).await;
    let delta = c
        .ok(
            "textDocument/semanticTokens/full/delta",
            json!({"textDocument": {"uri": uri}, "previousResultId": id1}),
        )
        .await;
    let id2 = delta["resultId"].as_str().unwrap().to_string();
    assert_ne!(id1, id2);
    let edits = delta["edits"].as_array().expect("a delta, not full tokens");
    // Apply the edits to the previous integers.
    let mut flat: Vec<Value> = full["data"].as_array().unwrap().clone();
    let mut sorted = edits.clone();
    sorted.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap()));
    for e in &sorted {
        let s = e["start"].as_u64().unwrap() as usize;
        let n = e["deleteCount"].as_u64().unwrap() as usize;
        let data = e["data"].as_array().cloned().unwrap_or_default();
        flat.splice(s..s + n, data);
    }
    let fresh = c
        .ok(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(Value::Array(flat), fresh["data"]);
    let id3 = fresh["resultId"].as_str().unwrap().to_string();
    // Only the changed tail was sent.
    let sent: usize = edits
        .iter()
        .map(|e| e["data"].as_array().map_or(0, |d| d.len()))
        .sum();
    assert!(sent < fresh["data"].as_array().unwrap().len(), "{delta}");

    // No change since the last result: an empty delta.
    let same = c
        .ok(
            "textDocument/semanticTokens/full/delta",
            json!({"textDocument": {"uri": uri}, "previousResultId": id3}),
        )
        .await;
    assert_eq!(same["edits"], json!([]), "{same}");
    // An unknown previous id: full tokens instead.
    let unknown = c
        .ok(
            "textDocument/semanticTokens/full/delta",
            json!({"textDocument": {"uri": uri}, "previousResultId": "nope"}),
        )
        .await;
    assert_eq!(unknown["data"], fresh["data"]);

    // Range: exactly the full tokens that lie on lines 1..=2, re-encoded from line 0.
    let ranged = c
        .ok(
            "textDocument/semanticTokens/range",
            json!({"textDocument": {"uri": uri}, "range": range(1, 0, 3, 0)}),
        )
        .await;
    let got = absolute(&tokens(&ranged["data"]));
    let want: Vec<Tok> = absolute(&tokens(&fresh["data"]))
        .into_iter()
        .filter(|t| (1..=2).contains(&t[0]))
        .collect();
    assert_eq!(got, want);
    assert!(!got.is_empty());
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn semantic_tokens_count_utf8_bytes_when_negotiated() {
    let (mut c, _) =
        Client::start(json!({"capabilities": {"general": {"positionEncodings": ["utf-8"]}}})).await;
    let uri = "file:///t/tokens8.gene";
    let text = "(var s \"😀é\") (println s)\n";
    c.open_and_wait(uri, text).await;
    let full = c
        .ok(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let abs = absolute(&tokens(&full["data"]));
    let string = abs.iter().find(|t| t[3] == 5).unwrap();
    assert_eq!(string[1], 7);
    assert_eq!(string[2], "\"😀é\"".len() as u32);
    let println = abs.iter().find(|t| t[3] == 0).unwrap();
    assert_eq!(println[1] as usize, text.find("println").unwrap());
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- formatting

fn fmt_opts() -> Value {
    json!({"tabSize": 2, "insertSpaces": true})
}

#[tokio::test]
async fn formatting_whole_document_range_and_refusal() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/fmt.gene";
    let text = "(if (x > 5)\n(println \"big\")\nelse\n(println \"small\")   # keep inline\n)\n(fn f [a]\n      (println a))   \n";
    c.open_and_wait(uri, text).await;
    let r = c
        .ok(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": fmt_opts()}),
        )
        .await;
    let out = apply_edits(text, r.as_array().unwrap(), Enc::Utf16);
    assert_eq!(
        out,
        "(if (x > 5)\n  (println \"big\")\nelse\n  (println \"small\")   # keep inline\n)\n(fn f [a]\n  (println a))\n"
    );
    // Range formatting only touches the lines asked for; a range that ends at the
    // start of a line does not include that line.
    let range_fmt =
        |r: Value| json!({"textDocument": {"uri": uri}, "range": r, "options": fmt_opts()});
    let r = c
        .ok("textDocument/rangeFormatting", range_fmt(range(5, 0, 7, 0)))
        .await;
    let out = apply_edits(text, r.as_array().unwrap(), Enc::Utf16);
    assert_eq!(
        out,
        "(if (x > 5)\n(println \"big\")\nelse\n(println \"small\")   # keep inline\n)\n(fn f [a]\n  (println a))\n"
    );
    let r = c
        .ok("textDocument/rangeFormatting", range_fmt(range(5, 0, 6, 0)))
        .await;
    assert_eq!(r, json!([]), "line 6 is outside the range");
    let r = c
        .ok("textDocument/rangeFormatting", range_fmt(range(0, 0, 1, 3)))
        .await;
    let out = apply_edits(text, r.as_array().unwrap(), Enc::Utf16);
    assert_eq!(
        out,
        text.replacen("\n(println \"big", "\n  (println \"big", 1)
    );
    // An empty range at the start of a line formats that line.
    let r = c
        .ok("textDocument/rangeFormatting", range_fmt(range(6, 0, 6, 0)))
        .await;
    let out = apply_edits(text, r.as_array().unwrap(), Enc::Utf16);
    assert_eq!(out, text.replace("      (println a))   ", "  (println a))"));
    // Formatted text: no edits.
    c.change(uri, 2, &[(Value::Null, "(println 1)\n")]).await;
    let r = c
        .ok(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": fmt_opts()}),
        )
        .await;
    assert_eq!(r, json!([]));
    // A file with syntax errors is refused, and says why.
    c.change(uri, 3, &[(Value::Null, "(println 1\n")]).await;
    let e = c
        .err(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": fmt_opts()}),
        )
        .await;
    assert_eq!(e["code"], -32602);
    assert!(
        e["message"].as_str().unwrap().starts_with("not formatted"),
        "{e}"
    );
    let e = c
        .err(
            "textDocument/rangeFormatting",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, 1, 0), "options": fmt_opts()}),
        )
        .await;
    assert_eq!(e["code"], -32602);
    // An unknown document: null.
    let r = c
        .ok(
            "textDocument/formatting",
            json!({"textDocument": {"uri": "file:///t/nope.gene"}, "options": fmt_opts()}),
        )
        .await;
    assert!(r.is_null());
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn on_type_formatting_indents_as_the_formatter() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/type.gene";
    // The user typed a newline after `(fn f [a]`: line 1 is empty.
    let text = "(fn f [a]\n\n";
    c.open_and_wait(uri, text).await;
    let on_type = |line: u32, ch: &str| json!({"textDocument": {"uri": uri}, "position": pos(line, 0), "ch": ch, "options": fmt_opts()});
    let r = c
        .ok("textDocument/onTypeFormatting", on_type(1, "\n"))
        .await;
    assert_eq!(
        apply_edits(text, r.as_array().unwrap(), Enc::Utf16),
        "(fn f [a]\n  \n"
    );
    // Already right: no edit.
    let text = "(fn f [a]\n  (println a\n    1)\n";
    c.change(uri, 2, &[(Value::Null, text)]).await;
    let r = c.ok("textDocument/onTypeFormatting", on_type(2, ")")).await;
    assert_eq!(r, json!([]));
    // A `)` typed at the start of an over-indented line: it goes under its opener.
    let text = "(fn f [a]\n  (println a)\n      )\n";
    c.change(uri, 3, &[(Value::Null, text)]).await;
    let r = c.ok("textDocument/onTypeFormatting", on_type(2, ")")).await;
    assert_eq!(
        apply_edits(text, r.as_array().unwrap(), Enc::Utf16),
        "(fn f [a]\n  (println a)\n)\n"
    );
    // Past the end of the document: nothing.
    let r = c
        .ok("textDocument/onTypeFormatting", on_type(40, "\n"))
        .await;
    assert!(r.is_null() || r == json!([]), "{r}");
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- code actions

async fn actions(c: &mut Client, uri: &str, text: &str, needle: &str) -> Vec<Value> {
    let i = text.find(needle).unwrap();
    let (l1, c1) = position_of(text, i, Enc::Utf16);
    let (l2, c2) = position_of(text, i + needle.len(), Enc::Utf16);
    let r = c
        .ok(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(l1, c1, l2, c2), "context": {"diagnostics": []}}),
        )
        .await;
    r.as_array().unwrap().clone()
}

fn apply_action(uri: &str, text: &str, acts: &[Value], title: &str) -> String {
    let a = acts
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with(title))
        .unwrap_or_else(|| panic!("no action {title:?} in {acts:?}"));
    let changes = a["edit"]["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 1);
    apply_edits(text, changes[uri].as_array().unwrap(), Enc::Utf16)
}

#[tokio::test]
async fn code_actions_apply_as_workspace_edits() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/actions.gene";
    let text = "(var s \"é\")\n(sleep_async 10)\n(fn f [x] 1)\n(f 2)\n(println (file_read \"a.txt\"))\n(fn g [a]\n  (println (a + 1)))\n";
    c.open_and_wait(uri, text).await;

    let acts = actions(&mut c, uri, text, "sleep_async").await;
    let fix = acts
        .iter()
        .find(|a| a["title"] == "Await this future")
        .unwrap();
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"][0]["code"], "unawaited-future");
    assert_eq!(
        apply_action(uri, text, &acts, "Await this future"),
        text.replace("(sleep_async 10)", "(await (sleep_async 10))")
    );
    assert_eq!(
        apply_action(uri, text, &acts, "Bind the future"),
        text.replace("(sleep_async 10)", "(var _ (sleep_async 10))")
    );
    let wrap = acts
        .iter()
        .find(|a| a["title"] == "Wrap in try/catch")
        .unwrap();
    assert_eq!(wrap["kind"], "refactor.rewrite");
    assert_eq!(wrap["isPreferred"], false);

    let acts = actions(&mut c, uri, text, "x]").await;
    assert_eq!(
        apply_action(uri, text, &acts, "Rename to `_x`"),
        text.replace("[x]", "[_x]")
    );

    let acts = actions(&mut c, uri, text, "file_read").await;
    assert_eq!(
        apply_action(uri, text, &acts, "Use `file_read_async`"),
        text.replace(
            "(println (file_read \"a.txt\"))",
            "(println (await (file_read_async \"a.txt\")))"
        )
    );

    let acts = actions(&mut c, uri, text, "(a + 1)").await;
    let ex = acts
        .iter()
        .find(|a| a["title"] == "Extract into a variable")
        .unwrap();
    assert_eq!(ex["kind"], "refactor.extract");
    assert_eq!(
        apply_action(uri, text, &acts, "Extract into a variable"),
        text.replace(
            "(fn g [a]\n  (println (a + 1)))",
            "(fn g [a]\n  (var extracted (a + 1))\n  (println extracted))"
        )
    );
    assert_eq!(
        apply_action(uri, text, &acts, "Wrap in try/catch"),
        text.replace("(a + 1)", "(try\n    (a + 1)\n  catch *\n    (throw $ex))")
    );
    // Settings that turn a code off also turn its quick fix off.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"diagnostics": {"disabled": ["unawaited-future"]}}}),
    )
    .await;
    let acts = actions(&mut c, uri, text, "sleep_async").await;
    assert!(!acts.iter().any(|a| a["kind"] == "quickfix"), "{acts:?}");
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- inlay hints

#[tokio::test]
async fn inlay_hints_for_parameters_and_futures() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/hints.gene";
    let text = "(fn area [width height] (width * height))\n(var height 2)\n(area 3 height)\n(var f (sleep_async 300))\n(await f)\n";
    c.open_and_wait(uri, text).await;
    let r = c
        .ok(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, 5, 0)}),
        )
        .await;
    let hints: Vec<(String, u64, String)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let p = &h["position"];
            let off = offset_of(text, p, Enc::Utf16);
            (
                h["label"].as_str().unwrap().to_string(),
                h["kind"].as_u64().unwrap(),
                text[off..].chars().take(3).collect(),
            )
        })
        .collect();
    // Type = 1, Parameter = 2. No `height:` before the same-named argument.
    assert!(
        hints.contains(&("width:".into(), 2, "3 h".into())),
        "{hints:?}"
    );
    assert!(!hints.iter().any(|h| h.0 == "height:"), "{hints:?}");
    assert!(
        hints
            .iter()
            .any(|h| h.0 == ": sleep_async 300" && h.1 == 1 && h.2 == ")\n"),
        "{hints:?}"
    );
    let param = r
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["label"] == "width:")
        .unwrap();
    assert_eq!(param["paddingRight"], true);
    // A range that covers only the first line has no hints.
    let r = c
        .ok(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, 0, 10)}),
        )
        .await;
    assert_eq!(r, json!([]));
    c.shutdown_and_exit().await;
}

// ---------------------------------------------------------------- non-ASCII positions

/// Every position-taking and range-returning request on lines with non-ASCII text
/// before the names, in the negotiated encoding.
async fn positions_after_non_ascii_text(enc: Enc) {
    let encodings = match enc {
        Enc::Utf8 => json!(["utf-8"]),
        Enc::Utf16 => json!(["utf-16"]),
    };
    let (mut c, _) =
        Client::start(json!({"capabilities": {"general": {"positionEncodings": encodings}}})).await;
    let uri = "file:///t/wide.gene";
    let text = "(var s \"😀é\") (var count 1) (println \"ü𝄞\" count)\n(fn area [w h] (w * h))\n(println \"日本\" (area 1 2) (file_read \"a\"))\n";
    c.open_and_wait(uri, text).await;
    let p = |needle: &str, delta: usize| json!({"textDocument": {"uri": uri}, "position": pos_of(text, needle, delta, enc)});
    let use_of_count = p("count)", 2);
    let h = c.ok("textDocument/hover", use_of_count.clone()).await;
    assert_eq!(text_at(text, &h["range"], enc), "count");
    let d = c.ok("textDocument/definition", use_of_count.clone()).await;
    assert_eq!(d["range"]["start"], pos_of(text, "count 1", 0, enc));
    let mut refs = use_of_count.clone();
    refs["context"] = json!({"includeDeclaration": true});
    let r = c.ok("textDocument/references", refs).await;
    let covered: Vec<String> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|l| text_at(text, &l["range"], enc))
        .collect();
    assert_eq!(covered, ["count", "count"]);
    let hs = c
        .ok("textDocument/documentHighlight", use_of_count.clone())
        .await;
    assert_eq!(hs.as_array().unwrap().len(), 2);
    let pr = c
        .ok("textDocument/prepareRename", use_of_count.clone())
        .await;
    assert_eq!(text_at(text, &pr, enc), "count");
    let mut rn = use_of_count.clone();
    rn["newName"] = json!("total");
    let e = c.ok("textDocument/rename", rn).await;
    assert_eq!(
        apply_edits(text, e["changes"][uri].as_array().unwrap(), enc),
        text.replace("count", "total")
    );
    // Inlay hints sit before the arguments.
    let last = text.lines().count() as u32;
    let ih = c
        .ok(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, last, 0)}),
        )
        .await;
    let w = ih
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["label"] == "w:")
        .unwrap();
    assert_eq!(w["position"], pos_of(text, "1 2)", 0, enc));
    // A quick fix after wide characters.
    let i = text.find("file_read").unwrap();
    let (l1, c1) = position_of(text, i, enc);
    let (l2, c2) = position_of(text, i + "file_read".len(), enc);
    let acts = c
        .ok(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(l1, c1, l2, c2), "context": {"diagnostics": []}}),
        )
        .await;
    let fix = acts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "quickfix")
        .unwrap();
    assert_eq!(
        apply_edits(text, fix["edit"]["changes"][uri].as_array().unwrap(), enc),
        text.replace("(file_read \"a\")", "(await (file_read_async \"a\"))")
    );
    // Selection ranges and semantic tokens land on the same text.
    let sel = c
        .ok(
            "textDocument/selectionRange",
            json!({"textDocument": {"uri": uri}, "positions": [pos_of(text, "area 1", 1, enc)]}),
        )
        .await;
    assert_eq!(text_at(text, &sel[0]["range"], enc), "area");
    assert_eq!(text_at(text, &sel[0]["parent"]["range"], enc), "(area 1 2)");
    let toks = c
        .ok(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let abs = absolute(&tokens(&toks["data"]));
    let texts: Vec<String> = abs
        .iter()
        .map(|t| {
            let a = offset_of(text, &pos(t[0], t[1]), enc);
            let b = offset_of(text, &pos(t[0], t[1] + t[2]), enc);
            text[a..b].to_string()
        })
        .collect();
    for want in [
        "\"😀é\"",
        "count",
        "\"ü𝄞\"",
        "\"日本\"",
        "area",
        "file_read",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
    }
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn positions_after_non_ascii_text_utf16() {
    positions_after_non_ascii_text(Enc::Utf16).await;
}

#[tokio::test]
async fn positions_after_non_ascii_text_utf8() {
    positions_after_non_ascii_text(Enc::Utf8).await;
}

// ---------------------------------------------------------------- concurrency

#[tokio::test]
async fn many_requests_in_flight_all_get_answers() {
    let mut c = with_program().await;
    let mut pending = Vec::new();
    for i in 0..40 {
        let method = [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/documentHighlight",
            "textDocument/completion",
        ][i % 4];
        pending.push((method, c.send_request(method, at("(add 1", 2)).await));
    }
    for (m, rx) in pending {
        assert!(Client::response(m, rx).await.is_ok(), "{m}");
    }
    let _ = c.collect_for(Duration::from_millis(10)).await;
    c.shutdown_and_exit().await;
}
