//! In-process lifecycle tests: initialize / initialized / shutdown / exit, the
//! capabilities advertised, position-encoding negotiation, and how the server
//! answers requests it cannot serve (before initialize, after shutdown, unknown
//! methods, malformed messages) while it goes on serving.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn initialize_advertises_every_feature() {
    let (c, init) = Client::start(json!({"capabilities": {}})).await;
    assert_eq!(init["serverInfo"]["name"], "gene-lsp");
    assert!(init["serverInfo"]["version"].is_string());
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    // Incremental sync (2) with open/close.
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    for p in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "documentHighlightProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "documentFormattingProvider",
        "documentRangeFormattingProvider",
        "foldingRangeProvider",
        "selectionRangeProvider",
        "inlayHintProvider",
    ] {
        assert_eq!(caps[p], true, "{p}: {caps}");
    }
    assert_eq!(caps["completionProvider"]["resolveProvider"], true);
    assert_eq!(
        caps["completionProvider"]["triggerCharacters"],
        json!([".", "/"])
    );
    assert_eq!(
        caps["signatureHelpProvider"]["triggerCharacters"],
        json!([" "])
    );
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    assert_eq!(
        caps["documentOnTypeFormattingProvider"],
        json!({"firstTriggerCharacter": "\n", "moreTriggerCharacter": [")"]})
    );
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "refactor.rewrite", "refactor.extract"])
    );
    let st = &caps["semanticTokensProvider"];
    assert_eq!(st["full"], json!({"delta": true}));
    assert_eq!(st["range"], true);
    assert_eq!(
        st["legend"]["tokenTypes"],
        json!([
            "function",
            "variable",
            "parameter",
            "property",
            "keyword",
            "string",
            "number",
            "comment",
            "namespace",
            "class",
            "method",
            "macro"
        ])
    );
    assert_eq!(
        st["legend"]["tokenModifiers"],
        json!([
            "declaration",
            "async",
            "deprecated",
            "defaultLibrary",
            "readonly"
        ])
    );
    // A client without pull support gets pushed diagnostics: no diagnosticProvider.
    assert!(caps.get("diagnosticProvider").is_none(), "{caps}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn pull_capable_client_gets_a_diagnostic_provider() {
    let (c, init) = Client::start(json!({
        "capabilities": {"textDocument": {"diagnostic": {"dynamicRegistration": false}}}
    }))
    .await;
    let d = &init["capabilities"]["diagnosticProvider"];
    assert_eq!(d["identifier"], "gene");
    assert_eq!(d["interFileDependencies"], false);
    assert_eq!(d["workspaceDiagnostics"], false);
    c.shutdown_and_exit().await;
}

async fn negotiated(encodings: Option<Value>) -> Value {
    let caps = match encodings {
        Some(e) => json!({"general": {"positionEncodings": e}}),
        None => json!({}),
    };
    let (c, init) = Client::start(json!({ "capabilities": caps })).await;
    c.shutdown_and_exit().await;
    init["capabilities"]["positionEncoding"].clone()
}

#[tokio::test]
async fn position_encoding_negotiation() {
    assert_eq!(negotiated(Some(json!(["utf-8"]))).await, "utf-8");
    assert_eq!(negotiated(Some(json!(["utf-16", "utf-8"]))).await, "utf-8");
    assert_eq!(negotiated(Some(json!(["utf-32", "utf-8"]))).await, "utf-8");
    assert_eq!(negotiated(Some(json!(["utf-16"]))).await, "utf-16");
    assert_eq!(negotiated(Some(json!(["utf-32"]))).await, "utf-16");
    assert_eq!(negotiated(Some(json!([]))).await, "utf-16");
    assert_eq!(negotiated(None).await, "utf-16");
}

#[tokio::test]
async fn shutdown_then_exit_ends_the_loop_and_later_requests_fail() {
    let mut c = Client::start_default().await;
    c.open("file:///t/a.gene", 1, "(var x 1)\n(println x)\n")
        .await;
    assert!(c.ok("shutdown", Value::Null).await.is_null());
    // After shutdown every request is an invalid request (-32600).
    let e = c
        .err("textDocument/hover", doc_pos("file:///t/a.gene", 1, 10))
        .await;
    assert_eq!(e["code"], -32600, "{e}");
    let e = c.err("shutdown", Value::Null).await;
    assert_eq!(e["code"], -32600, "{e}");
    c.notify("exit", Value::Null).await;
    c.wait_exit().await;
}

#[tokio::test]
async fn exit_without_shutdown_also_ends_the_loop() {
    let c = Client::start_default().await;
    c.notify("exit", Value::Null).await;
    c.wait_exit().await;
}

#[tokio::test]
async fn end_of_input_ends_the_loop() {
    let c = Client::start_default().await;
    // The editor died: its end of the pipe closes.
    c.close_input().await;
    c.wait_exit().await;
}

#[tokio::test]
async fn requests_before_initialize_fail_and_initialize_only_once() {
    let mut c = Client::spawn();
    let e = c
        .err("textDocument/hover", doc_pos("file:///t/a.gene", 0, 0))
        .await;
    assert_eq!(e["code"], -32002, "server not initialized: {e}");
    c.ok("initialize", json!({"capabilities": {}})).await;
    c.notify("initialized", json!({})).await;
    let e = c.err("initialize", json!({"capabilities": {}})).await;
    assert_eq!(e["code"], -32600, "{e}");
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn unknown_methods_and_bad_params_get_errors_and_the_server_goes_on() {
    let mut c = Client::start_default().await;
    let e = c.err("gene/noSuchThing", json!({})).await;
    assert_eq!(e["code"], -32601, "{e}");
    let e = c.err("textDocument/noSuchThing", json!({})).await;
    assert_eq!(e["code"], -32601, "{e}");
    // Parameters of the wrong shape: invalid params.
    let e = c
        .err("textDocument/hover", json!({"textDocument": 3}))
        .await;
    assert_eq!(e["code"], -32602, "{e}");
    // An unknown notification is ignored (no answer), `$/` ones too.
    c.notify("gene/whatever", json!({})).await;
    c.notify("$/setTrace", json!({"value": "off"})).await;
    // A request on a document that was never opened answers nothing (null).
    let r = c
        .ok("textDocument/hover", doc_pos("file:///t/none.gene", 0, 0))
        .await;
    assert!(r.is_null());
    // Still serving.
    let uri = "file:///t/a.gene";
    c.open_and_wait(uri, "(var x 1)\n(println x)\n").await;
    let h = c.ok("textDocument/hover", doc_pos(uri, 1, 9)).await;
    assert!(
        h["contents"]["value"].as_str().unwrap().contains('x'),
        "{h}"
    );
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn malformed_messages_get_errors_and_the_server_goes_on() {
    let mut c = Client::start_default().await;
    let cases: &[(&str, Vec<u8>, i64)] = &[
        (
            "a body that is not JSON",
            frame("{this is not json"),
            -32700,
        ),
        (
            "JSON that is not a message",
            frame(r#"{"hello": "world"}"#),
            -32600,
        ),
        (
            "a method that is a number",
            frame(r#"{"jsonrpc":"2.0","id":5,"method":5}"#),
            -32600,
        ),
        (
            "a body that is not UTF-8",
            {
                let mut v = b"Content-Length: 3\r\n\r\n".to_vec();
                v.extend_from_slice(&[0xff, 0xfe, 0xfd]);
                v
            },
            -32700,
        ),
        (
            "no Content-Length",
            b"Content-Type: application/json\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "a bad Content-Length",
            b"Content-Length: lots\r\n\r\n".to_vec(),
            -32700,
        ),
        (
            "a charset that is not UTF-8",
            {
                let body = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
                format!("Content-Type: application/vscode-jsonrpc; charset=latin1\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
            },
            -32700,
        ),
    ];
    for (what, bytes, code) in cases {
        c.send_raw(bytes).await;
        let e = c
            .wait_for("an error without an id", |n| n.get("error").is_some())
            .await;
        assert_eq!(e["error"]["code"], *code, "{what}: {e}");
        assert!(e["id"].is_null(), "{what}: {e}");
        // The server still answers.
        let r = c
            .ok("workspace/symbol", json!({"query": "nothing-here"}))
            .await;
        assert_eq!(r, json!([]), "{what}");
    }
    // Lower-case header names and extra headers are fine.
    let body = r#"{"jsonrpc":"2.0","id":900,"method":"workspace/symbol","params":{"query":"x"}}"#;
    c.send_raw(
        format!(
            "content-length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await;
    // Not a request of ours: the harness queues the answer with the notifications.
    let r = c.wait_for("the answer to id 900", |n| n["id"] == 900).await;
    assert_eq!(r["result"], json!([]), "{r}");
    let uri = "file:///t/after.gene";
    let ds = c.open_and_wait(uri, "(println missing)\n").await;
    assert_eq!(ds.len(), 1);
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn did_close_clears_diagnostics() {
    let mut c = Client::start_default().await;
    let uri = "file:///t/close.gene";
    let d = c.open_and_wait(uri, "(println missing)\n").await;
    assert_eq!(d.len(), 1);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    let p = c.diagnostics(uri).await;
    assert_eq!(p["diagnostics"], json!([]));
    // A closed document is gone: requests on it answer null.
    let r = c.ok("textDocument/hover", doc_pos(uri, 0, 10)).await;
    assert!(r.is_null());
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn watched_files_are_registered_when_the_client_can_watch() {
    let ws = TempDir::new("watch");
    ws.write("a.gene", "(fn alpha [] 1)\n");
    let (c, _) = Client::start(json!({
        "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
        "workspaceFolders": [{"uri": ws.uri(), "name": "ws"}],
    }))
    .await;
    let mut c = c;
    let log = c
        .wait_for("the indexing log", |n| n["method"] == "window/logMessage")
        .await;
    assert_eq!(log["params"]["message"], "gene-lsp: indexed 1 files");
    assert_eq!(log["params"]["type"], 3, "info");
    let regs = c.server_requests.lock().unwrap().clone();
    assert_eq!(regs.len(), 1, "{regs:?}");
    assert_eq!(regs[0]["method"], "client/registerCapability");
    let reg = &regs[0]["params"]["registrations"][0];
    assert_eq!(reg["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        reg["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.gene"
    );
    c.shutdown_and_exit().await;
}

#[tokio::test]
async fn no_registration_without_dynamic_registration() {
    let mut c = Client::start_default().await;
    let _ = c.collect_for(Duration::from_millis(100)).await;
    assert!(c.server_requests.lock().unwrap().is_empty());
    c.shutdown_and_exit().await;
}

/// The editor never answers `client/registerCapability`, then goes away (or says
/// `exit`): the server must still end.
async fn unanswered_registration(then_exit: bool) {
    let mut c = Client::spawn_with(false);
    c.ok(
        "initialize",
        json!({"capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    )
    .await;
    c.notify("initialized", json!({})).await;
    // The registration request arrives (and is never answered).
    for _ in 0..100 {
        if !c.server_requests.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(c.server_requests.lock().unwrap().len(), 1);
    // Other requests are still served meanwhile.
    let r = c.ok("workspace/symbol", json!({"query": ""})).await;
    assert_eq!(r, json!([]));
    if then_exit {
        c.ok("shutdown", Value::Null).await;
        c.notify("exit", Value::Null).await;
    } else {
        c.close_input().await;
    }
    c.wait_exit().await;
}

#[tokio::test]
async fn exit_while_a_registration_is_unanswered() {
    unanswered_registration(true).await;
}

#[tokio::test]
async fn end_of_input_while_a_registration_is_unanswered() {
    unanswered_registration(false).await;
}
