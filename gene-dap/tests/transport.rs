//! `serve` driven in-process with a mock session over in-memory streams and socket pairs.
//! The binary itself is tested in `binary.rs`.

mod common;

use common::*;
use gene_dap::{serve, Sink};
use serde_json::{json, Value};
use std::io::{BufReader, Cursor, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
#[test]
fn round_trip_over_socket_pair() {
    let (mut client, server) = UnixStream::pair().unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (mut session, log) = mock();
    let handle = thread::spawn(move || {
        let sink = Sink::new(Box::new(server.try_clone().unwrap()));
        serve(&server, &sink, &mut session);
    });
    let body =
        json!({ "seq": 7, "type": "request", "command": "hello", "arguments": { "a": [1] } });
    client.write_all(&frame(&body.to_string())).unwrap();
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let response = read_frame(&mut reader).unwrap();
    let expected = json!({ "seq": 1, "type": "response", "request_seq": 7, "command": "hello",
        "success": true, "body": { "echo": "hello", "args": { "a": [1] } } });
    assert_eq!(response, expected);
    client.shutdown(std::net::Shutdown::Write).unwrap();
    handle.join().unwrap();
    assert_eq!(log.shutdowns(), 1);
    let handled = log.handled.lock().unwrap().clone();
    assert_eq!(handled[0].arguments, json!({ "a": [1] }));
}

#[test]
fn absent_arguments_are_null_and_null_bodies_are_omitted() {
    let (out, log) = run(&cat(&[&req(1, "x"), &req(2, "finish")]));
    assert_eq!(log.handled.lock().unwrap()[0].arguments, Value::Null);
    assert_eq!(out[1].get("body"), None);
}

#[test]
fn seq_increases_across_responses_and_events() {
    let (out, _) = run(&cat(&[
        &req(10, "events"),
        &req(11, "a"),
        &req(12, "events"),
    ]));
    let seqs: Vec<i64> = out.iter().map(|v| v["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>());
    assert_eq!(
        out[0],
        json!({ "seq": 1, "type": "event", "event": "tick", "body": { "n": 1 } })
    );
    assert_eq!(
        out[1],
        json!({ "seq": 2, "type": "event", "event": "tock" })
    );
    assert_ok(&out[2], 10, "events");
}

#[test]
fn error_response_shape_and_unknown_command() {
    let (out, _) = run(&req(3, "unknown"));
    let expected = json!({ "seq": 1, "type": "response", "request_seq": 3, "command": "unknown",
        "success": false, "message": "Unknown command: unknown",
        "body": { "error": { "id": 1, "format": "Unknown command: unknown", "showUser": true } } });
    assert_eq!(out, vec![expected]);
}

#[test]
fn events_from_another_thread_never_interleave() {
    let out = SharedBuf::default();
    let sink = Sink::new(Box::new(SlowWriter(out.clone())));
    let events = sink.clone();
    let emitter = thread::spawn(move || {
        for n in 0..1000 {
            events.event("output", json!({ "output": format!("line {n}\n") }));
        }
    });
    let input: Vec<u8> = (1..=1000).flat_map(|s| req(s, "step")).collect();
    let (mut session, log) = mock();
    serve(Cursor::new(input), &sink, &mut session);
    emitter.join().unwrap();
    let frames = parse_frames(&out.0.lock().unwrap());
    assert_eq!(frames.len(), 2000);
    let responses = frames.iter().filter(|v| v["type"] == "response").count();
    assert_eq!(responses, 1000);
    let seqs: Vec<i64> = frames.iter().map(|v| v["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=2000).collect::<Vec<_>>());
    assert_eq!(log.handled.lock().unwrap().len(), 1000);
}

#[test]
fn garbage_before_a_frame() {
    for garbage in [
        &b"garbage\r\n"[..],
        b"xx{}",
        b"\x00\xff\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
    ] {
        let (out, log) = run(&cat(&[garbage, &req(1, "a"), b"junk", &req(2, "b")]));
        assert_eq!(out.len(), 4, "{garbage:?}: {out:?}");
        assert_error(&out[0], 0, "", "header");
        assert_ok(&out[1], 1, "a");
        assert_error(&out[2], 0, "", "header");
        assert_ok(&out[3], 2, "b");
        assert_eq!(log.commands(), ["a", "b"]);
    }
}

#[test]
fn missing_content_length() {
    let bad =
        b"Content-Type: application/json\r\n\r\n{\"seq\":1,\"type\":\"request\",\"command\":\"a\"}";
    let (out, log) = run(&cat(&[bad, &req(2, "b")]));
    assert_eq!(out.len(), 2, "{out:?}");
    assert_error(&out[0], 0, "", "missing Content-Length");
    assert_ok(&out[1], 2, "b");
    assert_eq!(log.commands(), ["b"]);
}

#[test]
fn content_length_case_and_extra_headers() {
    let body = r#"{"seq":1,"type":"request","command":"a"}"#;
    let lower = format!(
        "content-length: {}\r\nContent-Type: x; charset=utf-8\r\n\r\n{body}",
        body.len()
    );
    let upper = format!("X-Other: 1\r\nCONTENT-LENGTH:{}\r\n\r\n{body}", body.len());
    let (out, _) = run(&cat(&[lower.as_bytes(), upper.as_bytes()]));
    assert_eq!(out.len(), 2, "{out:?}");
    assert_ok(&out[0], 1, "a");
    assert_ok(&out[1], 1, "a");
}

#[test]
fn content_length_too_short() {
    let body = r#"{"seq":1,"type":"request","command":"a"}"#;
    let short = format!("Content-Length: {}\r\n\r\n{body}", body.len() - 5);
    let (out, log) = run(&cat(&[short.as_bytes(), &req(2, "b")]));
    assert_eq!(out.len(), 2, "{out:?}");
    assert_error(&out[0], 0, "", "too short");
    assert_ok(&out[1], 2, "b");
    assert_eq!(log.commands(), ["b"]);
}

#[test]
fn content_length_too_long() {
    let body = r#"{"seq":1,"type":"request","command":"a"}"#;
    let long = format!("Content-Length: {}\r\n\r\n{body}", body.len() + 10);
    let (out, log) = run(&cat(&[long.as_bytes(), &req(2, "b"), &req(3, "c")]));
    assert_eq!(out.len(), 3, "{out:?}");
    // The seq is recovered, so the client's request does not go unanswered.
    assert_error(&out[0], 1, "a", "longer than the JSON message");
    assert_ok(&out[1], 2, "b");
    assert_ok(&out[2], 3, "c");
    assert_eq!(log.commands(), ["b", "c"]);
    // Too long at the end of the stream.
    let (out, log) = run(long.as_bytes());
    assert_error(&out[0], 0, "", "truncated by end of stream");
    assert_eq!((out.len(), log.shutdowns()), (1, 1));
}

#[test]
fn bad_lengths_are_rejected_without_allocating() {
    for len in [
        "-5",
        "abc",
        "",
        "1e3",
        "67108865",
        "18446744073709551615",
        "99999999999999999999999",
    ] {
        let bad = format!("Content-Length: {len}\r\n\r\n{{}}");
        let (out, log) = run(&cat(&[bad.as_bytes(), &req(2, "b")]));
        assert_eq!(out.len(), 2, "{len}: {out:?}");
        assert_error(&out[0], 0, "", "Content-Length");
        assert_ok(&out[1], 2, "b");
        assert_eq!(log.commands(), ["b"]);
    }
}

#[test]
fn invalid_messages_get_errors_with_whatever_ids_are_readable() {
    let input = cat(&[
        &frame("{nope"),
        &frame("[1,2]"),
        &frame(r#"{"seq":3,"type":"request"}"#),
        &frame(r#"{"type":"request","command":"x"}"#),
        &frame(r#"{"seq":4,"type":"event","command":"y"}"#),
        &frame(r#"{"seq":5,"command":"z"}"#),
        &frame(r#"{"seq":"6","type":"request","command":"w"}"#),
        &req(7, "ok"),
    ]);
    let (out, log) = run(&input);
    assert_eq!(out.len(), 8, "{out:?}");
    assert_error(&out[0], 0, "", "not valid JSON");
    assert_error(&out[1], 0, "", "JSON object");
    assert_error(&out[2], 3, "", "command");
    assert_error(&out[3], 0, "x", "seq");
    assert_error(&out[4], 4, "y", "type");
    assert_error(&out[5], 5, "z", "type");
    assert_error(&out[6], 0, "w", "seq");
    assert_ok(&out[7], 7, "ok");
    assert_eq!(log.commands(), ["ok"]);
}

#[test]
fn panicking_handler_gets_an_error_and_serving_continues() {
    let input = cat(&[&req(1, "panic_str"), &req(2, "panic_string"), &req(3, "a")]);
    let (out, log) = run(&input);
    assert_eq!(out.len(), 3, "{out:?}");
    assert_error(&out[0], 1, "panic_str", "internal error in gene-dap: boom");
    assert_error(
        &out[1],
        2,
        "panic_string",
        "internal error in gene-dap: boom 2",
    );
    assert_ok(&out[2], 3, "a");
    assert_eq!(log.shutdowns(), 1);
}

#[test]
fn eof_calls_shutdown_once() {
    for input in [
        &req(1, "a")[..],
        b"",
        b"Content-Length: 50\r\n\r\n{\"se",
        b"Content-Le",
    ] {
        let (out, log) = run(input);
        assert_eq!(log.shutdowns(), 1, "{input:?}");
        assert!(out.len() <= 1, "{out:?}");
    }
}

#[test]
fn finished_ends_serve_while_the_stream_stays_open() {
    let (mut client, server) = UnixStream::pair().unwrap();
    let (mut session, log) = mock();
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        let sink = Sink::new(Box::new(server.try_clone().unwrap()));
        serve(&server, &sink, &mut session);
        done.send(()).unwrap();
    });
    client
        .write_all(&cat(&[&req(1, "finish"), &req(2, "a")]))
        .unwrap();
    finished.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(log.commands(), ["finish"]);
    assert_eq!(log.shutdowns(), 1);
}

#[test]
fn one_byte_reads_give_the_same_result() {
    let input = cat(&[
        b"junk",
        &req(1, "a"),
        &frame("[]"),
        &req(2, "events"),
        &req(3, "b"),
    ]);
    let (whole, _) = run(&input);
    let (split, log) = run_on(OneByte(Cursor::new(input)));
    assert_eq!(whole, split);
    assert_eq!(split.len(), 7);
    assert_eq!(log.commands(), ["a", "events", "b"]);
}

#[test]
fn garbage_floods_cost_one_error_and_little_time() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect();
    let markers = b"Content-Length: 9\r\nContent-Length:".repeat(30_000);
    // Worst case for resynchronising: a candidate every 15 bytes, each in a long header.
    let long_lines = [&b"Content-Length:".repeat(270)[..], b"\r\n\r\n"]
        .concat()
        .repeat(250);
    for flood in [random, markers, long_lines] {
        let start = Instant::now();
        let (out, log) = run(&cat(&[&flood, &req(1, "a")]));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert_error(&out[0], 0, "", "");
        assert_ok(&out[1], 1, "a");
        assert_eq!(log.commands(), ["a"]);
    }
}

#[test]
fn closed_sink_is_remembered_and_ends_serve() {
    let sink = Sink::new(Box::new(FailingWriter));
    assert!(!sink.closed());
    sink.event("output", Value::Null);
    assert!(sink.closed());
    sink.error(1, "x", "ignored"); // Must not panic.
    let (mut session, log) = mock();
    let sink = Sink::new(Box::new(FailingWriter));
    serve(
        Cursor::new(cat(&[&req(1, "a"), &req(2, "b")])),
        &sink,
        &mut session,
    );
    assert_eq!(log.commands(), ["a"]);
    assert_eq!(log.shutdowns(), 1);
}

#[test]
fn sink_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Sink>();
}
