//! Helpers shared by the fixture tests.

/// The text with every `$0` cursor marker removed, and the byte offsets where they were.
pub fn strip_markers(raw: &str) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut markers = Vec::new();
    let mut rest = raw;
    while let Some(i) = rest.find("$0") {
        text.push_str(&rest[..i]);
        markers.push(text.len());
        rest = &rest[i + 2..];
    }
    text.push_str(rest);
    (text, markers)
}
