//! In-process tests of document sync and diagnostics: incremental edits with
//! non-ASCII text in both position encodings, pushed diagnostics (codes,
//! severities, tags, `gene-ignore`, settings), pulled diagnostics, and versions.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn codes(ds: &[Value]) -> Vec<String> {
    ds.iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn by_code<'a>(ds: &'a [Value], code: &str) -> &'a Value {
    ds.iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {ds:?}"))
}

/// The document's text as the server holds it: formatting answers the whole text
/// when there is trailing whitespace to strip (every test text keeps a `(x)   ` line).
async fn server_text(c: &mut Client, uri: &str) -> String {
    let r = c
        .ok(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    let edits = r.as_array().unwrap();
    assert_eq!(edits.len(), 1, "{r}");
    edits[0]["newText"].as_str().unwrap().to_string()
}

const SAMPLE: &str = "\
(var x 1)
(fn two [a b] (a + b))
(two 1)
(println missing)
(sleep_async 10)
(println (file_read \"a.txt\"))
(fn g [unused] 1)
(g 1)
(fn h [] (break))
(var s \"unterminated
";

#[tokio::test]
async fn pushed_diagnostics_have_codes_severities_tags_and_ranges() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/sample.gene";
    let ds = c.open_and_wait(uri, SAMPLE).await;
    let mut cs = codes(&ds);
    cs.sort();
    assert_eq!(
        cs,
        [
            "arity",
            "deprecated-sync-io",
            "misplaced",
            // The unterminated string and the `(` it leaves open.
            "syntax",
            "syntax",
            "unawaited-future",
            "undefined-name",
            "unused-variable"
        ],
        "{ds:?}"
    );
    for d in &ds {
        assert_eq!(d["source"], "gene", "{d}");
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(d["range"]["start"]["line"].is_u64());
    }
    let sev = |code: &str| by_code(&ds, code)["severity"].as_u64().unwrap();
    // 1 error, 2 warning, 4 hint.
    for code in ["syntax", "undefined-name", "arity", "misplaced"] {
        assert_eq!(sev(code), 1, "{code}");
    }
    assert_eq!(sev("unawaited-future"), 2);
    assert_eq!(sev("deprecated-sync-io"), 2);
    assert_eq!(sev("unused-variable"), 4);
    // Tags: Unnecessary = 1, Deprecated = 2; none elsewhere.
    assert_eq!(by_code(&ds, "unused-variable")["tags"], json!([1]));
    assert_eq!(by_code(&ds, "deprecated-sync-io")["tags"], json!([2]));
    assert!(by_code(&ds, "arity").get("tags").is_none());
    // Ranges cover the offending text.
    let at = |code: &str| text_at(SAMPLE, &by_code(&ds, code)["range"], Enc::Utf16);
    assert_eq!(at("undefined-name"), "missing");
    assert_eq!(at("arity"), "(two 1)");
    assert_eq!(at("unawaited-future"), "(sleep_async 10)");
    assert_eq!(at("deprecated-sync-io"), "file_read");
    assert_eq!(at("unused-variable"), "unused");
    assert_eq!(at("misplaced"), "(break)");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn every_syntax_error_is_reported() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/three.gene";
    let text = "(println 1))\n(var a ]\n(println 2)\n(var b \"never closed\n";
    let ds = c.open_and_wait(uri, text).await;
    let syntax: Vec<&Value> = ds.iter().filter(|d| d["code"] == "syntax").collect();
    assert!(syntax.len() >= 3, "{ds:?}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn gene_ignore_silences_a_code_on_the_line_or_the_line_above() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/ignore.gene";
    let text = "\
(println missing_a)  # gene-ignore: undefined-name
# gene-ignore: undefined-name
(println missing_b)
(println missing_c)  # gene-ignore: arity
(sleep_async 1)  # gene-ignore: unawaited-future
";
    let ds = c.open_and_wait(uri, text).await;
    assert_eq!(codes(&ds), ["undefined-name"], "{ds:?}");
    assert_eq!(text_at(text, &ds[0]["range"], Enc::Utf16), "missing_c");
    c.shutdown_and_exit().await;
}

const TUNED: &str = "(fn f [unused] 1)\n(f 1)\n(fn two [a b] (a + b))\n(two 1)\n";

#[tokio::test]
async fn initialization_options_turn_codes_off_and_change_severity() {
    let (mut c, _) = Client::start(json!({
        "capabilities": {},
        "initializationOptions": {
            "diagnostics": {"disabled": ["unused-variable"], "severity": {"arity": "warning"}}
        }
    }))
    .await;
    let uri = "file:///t/tuned.gene";
    let ds = c.open_and_wait(uri, TUNED).await;
    assert_eq!(codes(&ds), ["arity"], "{ds:?}");
    assert_eq!(ds[0]["severity"], 2);
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn settings_under_a_gene_key_are_accepted() {
    let (mut c, _) = Client::start(json!({
        "capabilities": {},
        "initializationOptions": {"gene": {"diagnostics": {"disabled": ["arity"]}}}
    }))
    .await;
    let uri = "file:///t/tuned.gene";
    let ds = c.open_and_wait(uri, TUNED).await;
    assert_eq!(codes(&ds), ["unused-variable"], "{ds:?}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn did_change_configuration_republishes_open_documents() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/tuned.gene";
    let ds = c.open_and_wait(uri, TUNED).await;
    let mut cs = codes(&ds);
    cs.sort();
    assert_eq!(cs, ["arity", "unused-variable"]);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"diagnostics": {"disabled": ["unused-variable"], "severity": {"arity": "hint"}}}}),
    )
    .await;
    let ds = c.diagnostics_at(uri, 1).await;
    assert_eq!(codes(&ds), ["arity"], "{ds:?}");
    assert_eq!(ds[0]["severity"], 4);
    // Back to the defaults.
    c.notify("workspace/didChangeConfiguration", json!({"settings": {}}))
        .await;
    let ds = c.diagnostics_at(uri, 1).await;
    assert_eq!(ds.len(), 2, "{ds:?}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn pull_diagnostics_when_the_client_pulls_and_no_push() {
    let (mut c, _) = Client::start(json!({
        "capabilities": {"textDocument": {"diagnostic": {}}}
    }))
    .await;
    let uri = "file:///t/pull.gene";
    c.open(uri, 1, SAMPLE).await;
    let r = c
        .ok(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(r["kind"], "full");
    assert_eq!(r["resultId"], "1");
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 8, "{r}");
    assert_eq!(by_code(items, "unused-variable")["tags"], json!([1]));
    // An edit, then a pull sees the new version.
    c.change(uri, 2, &[(Value::Null, "(println nope)\n")]).await;
    let r = c
        .ok(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(r["resultId"], "2");
    assert_eq!(codes(r["items"].as_array().unwrap()), ["undefined-name"]);
    // Settings apply to pulls as well.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"diagnostics": {"disabled": ["undefined-name"]}}}),
    )
    .await;
    let r = c
        .ok(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(r["items"], json!([]));
    // An unknown document is an error.
    let e = c
        .err(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": "file:///t/nope.gene"}}),
        )
        .await;
    assert_eq!(e["code"], -32602);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    // Never pushed: not after open, change, configuration or close.
    let notes = c.collect_for(Duration::from_millis(300)).await;
    assert!(
        !notes
            .iter()
            .any(|n| n["method"] == "textDocument/publishDiagnostics"),
        "{notes:?}"
    );
    c.shutdown_and_exit().await;
}

/// Edits with non-ASCII text, positions in the negotiated encoding; the server's
/// text must match the same edits applied here.
async fn incremental_edits(enc: Enc) {
    let encodings = match enc {
        Enc::Utf8 => json!(["utf-8", "utf-16"]),
        Enc::Utf16 => json!(["utf-16"]),
    };
    let (mut c, init) =
        Client::start(json!({"capabilities": {"general": {"positionEncodings": encodings}}})).await;
    let want = match enc {
        Enc::Utf8 => "utf-8",
        Enc::Utf16 => "utf-16",
    };
    assert_eq!(init["capabilities"]["positionEncoding"], want);
    let uri = "file:///t/unicode.gene";
    let mut text = String::from("(var s \"héllo 😀 wörld\")\n(println s)   \n");
    c.open_and_wait(uri, &text).await;
    // (needle, delta, length in bytes, replacement)
    let edits: &[(&str, usize, usize, &str)] = &[
        // The emoji (4 bytes, 2 UTF-16 units, 1 char) becomes "名字".
        ("😀", 0, 4, "名字"),
        // Insert after "wörld" (past the ö).
        ("ld\"", 2, 0, " 🎉"),
        // Delete "é" (2 bytes).
        ("é", 0, 2, ""),
        // Replace across the line break: `")\n(println` -> `")\n(print`.
        ("(println", 0, 8, "(print"),
        // A new line with a surrogate pair and an undefined name after it.
        ("(print", 0, 0, "(println \"𝄞𝄞\" undefined_after_clef)\n"),
    ];
    let mut version = 1;
    for (needle, delta, len, new) in edits {
        let start = text.find(needle).unwrap() + delta;
        let (l1, c1) = position_of(&text, start, enc);
        let (l2, c2) = position_of(&text, start + len, enc);
        version += 1;
        c.change(uri, version, &[(range(l1, c1, l2, c2), new)])
            .await;
        text.replace_range(start..start + len, new);
    }
    let ds = c.diagnostics_at(uri, version).await;
    let undefined = by_code(&ds, "undefined-name");
    assert_eq!(
        text_at(&text, &undefined["range"], enc),
        "undefined_after_clef",
        "{ds:?}"
    );
    // The column of the name counts the clefs in the negotiated unit.
    let clefs_line = text.lines().nth(1).unwrap();
    let col = clefs_line.find("undefined_after_clef").unwrap();
    let want_col = match enc {
        Enc::Utf8 => col,
        Enc::Utf16 => clefs_line[..col].encode_utf16().count(),
    };
    assert_eq!(undefined["range"]["start"]["character"], want_col as u64);
    // Several changes in one notification apply in order.
    version += 1;
    let start = text.find("wörld").unwrap();
    let (l, ch) = position_of(&text, start, enc);
    let (l2, ch2) = position_of(&text, start + "wörld".len(), enc);
    c.change(
        uri,
        version,
        &[
            (range(l, ch, l2, ch2), "wørld"),
            (range(0, 0, 0, 0), "# ünïcode\n"),
        ],
    )
    .await;
    text.replace_range(start..start + "wörld".len(), "wørld");
    text.insert_str(0, "# ünïcode\n");
    c.diagnostics_at(uri, version).await;
    let formatted = server_text(&mut c, uri).await;
    assert_eq!(formatted, text.replace("   \n", "\n"));
    // A full replacement (no range) replaces everything.
    version += 1;
    c.change(uri, version, &[(Value::Null, "(println \"ß\")   \n")])
        .await;
    c.diagnostics_at(uri, version).await;
    assert_eq!(server_text(&mut c, uri).await, "(println \"ß\")\n");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn incremental_edits_with_non_ascii_text_in_utf16() {
    incremental_edits(Enc::Utf16).await;
}

#[tokio::test]
async fn incremental_edits_with_non_ascii_text_in_utf8() {
    incremental_edits(Enc::Utf8).await;
}

#[tokio::test]
async fn positions_past_the_end_of_a_line_clamp() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/clamp.gene";
    c.open_and_wait(uri, "(var a \"é\")\n(x)   \n").await;
    // Insert at character 99 of line 0: the end of that line.
    c.change(uri, 2, &[(range(0, 99, 0, 99), " # end")]).await;
    c.diagnostics_at(uri, 2).await;
    assert_eq!(server_text(&mut c, uri).await, "(var a \"é\") # end\n(x)\n");
    c.shutdown_and_exit().await;
}

/// Publishes for `uri` in arrival order up to `version`: versions only go up, and
/// each one's diagnostics name the `vNN` its text held. Then nothing more comes.
async fn check_published_up_to(c: &mut Client, uri: &str, version: i64) -> usize {
    let mut last = 1;
    let mut count = 0;
    loop {
        let n = c
            .wait_for("publishDiagnostics", |n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            })
            .await;
        let v = n["params"]["version"].as_i64().unwrap();
        assert!(v > last, "versions go up: {v} after {last}");
        last = v;
        count += 1;
        let ds = n["params"]["diagnostics"].as_array().unwrap();
        assert_eq!(ds.len(), 1, "{ds:?}");
        let msg = ds[0]["message"].as_str().unwrap();
        assert!(msg.contains(&format!("v{v:02}")), "version {v}: {msg}");
        if v == version {
            break;
        }
    }
    let notes = c.collect_for(Duration::from_millis(200)).await;
    assert!(
        !notes
            .iter()
            .any(|n| n["method"] == "textDocument/publishDiagnostics"),
        "published after the last version: {notes:?}"
    );
    count
}

#[tokio::test]
async fn rapid_edits_publish_only_current_versions() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/rapid.gene";
    c.open_and_wait(uri, "(println v01)\n").await;
    // Twenty edits in one write, each version with its own undefined name.
    let mut bytes = Vec::new();
    for v in 2..=21 {
        let msg = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": v},
                "contentChanges": [{"range": range(0, 9, 0, 12), "text": format!("v{v:02}")}]
            }
        });
        bytes.extend(frame(&msg.to_string()));
    }
    c.send_raw(&bytes).await;
    let n = check_published_up_to(&mut c, uri, 21).await;
    // The edits arrive well within the debounce: normally only the last is analysed.
    assert!(n <= 3, "{n} publishes for 20 back-to-back edits");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn each_published_version_matches_its_text() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/versions.gene";
    c.open_and_wait(uri, "(println v01)\n").await;
    // Edits spaced around the debounce: some versions are published, some not.
    for v in 2..=12 {
        c.change(uri, v, &[(range(0, 9, 0, 12), &format!("v{v:02}"))])
            .await;
        tokio::time::sleep(Duration::from_millis(if v % 3 == 0 { 30 } else { 0 })).await;
    }
    check_published_up_to(&mut c, uri, 12).await;
    c.shutdown_and_exit().await;
}
