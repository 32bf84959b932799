//! The rendered docs hold no relative link: docs.rs serves them from another place than the
//! repository, where `examples/…`, `BENCHMARKS.md` or `../README.md` lead nowhere. Intra-doc
//! links (`[x](crate::y)`, `[`MsgCrypt`]`) are checked by rustdoc itself (`-D warnings` in CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The targets of the Markdown links `](target)` in `text`.
fn link_targets(text: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        targets.push(rest[..end].trim());
        rest = &rest[end..];
    }
    targets
}

/// A link that rustdoc resolves (a path to an item, or an anchor), or that works anywhere.
fn resolves_anywhere(target: &str) -> bool {
    target.starts_with("https://")
        || target.starts_with("http://")
        || target.starts_with('#')
        || target.starts_with("crate::")
        || target.starts_with("super::")
        || target.starts_with("Self::")
        // An item path: identifiers and `::`, no slash, no file extension.
        || (!target.contains('/')
            && !target.contains(".md")
            && !target.contains(".rs")
            && target.chars().all(|c| c.is_alphanumeric() || "_:<>!@".contains(c)))
}

#[test]
fn the_checker_catches_relative_links() {
    // The check is only as good as its parser: it must see these.
    for bad in
        ["[x](examples/axum-callback)", "[x](../README.md)", "[x](BENCHMARKS.md)", "[x](./a)"]
    {
        let targets = link_targets(bad);
        assert_eq!(targets.len(), 1, "{bad}");
        assert!(!resolves_anywhere(targets[0]), "{bad}");
    }
    for good in ["[x](crate::xml::decrypt_msg)", "[x](MsgCrypt::new)", "[x](https://docs.rs)"] {
        assert!(link_targets(good).iter().all(|t| resolves_anywhere(t)), "{good}");
    }
}

#[test]
fn no_doc_comment_links_to_a_relative_path() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() >= 10, "found only {} source files", files.len());
    let mut bad = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_start();
            let Some(doc) = line.strip_prefix("//!").or_else(|| line.strip_prefix("///")) else {
                continue;
            };
            for target in link_targets(doc) {
                if !resolves_anywhere(target) {
                    bad.push(format!("{}:{}: {target}", file.display(), number + 1));
                }
            }
        }
        // A file included as the crate docs would bring links this test does not read. (The
        // README is included only into a `#[cfg(doctest)]` item, never rendered.)
        assert!(
            !text.contains("#![doc = include_str!"),
            "{}: the crate docs include a file; check its links too",
            file.display()
        );
    }
    assert!(bad.is_empty(), "relative links in the docs:\n{}", bad.join("\n"));
}
