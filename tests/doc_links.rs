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

/// The rendered docs of both crates: their sources' doc comments, and their READMEs, which
/// are their front pages (`#![doc = include_str!("../README.md")]`).
#[test]
fn no_doc_comment_links_to_a_relative_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for crate_dir in [root.to_path_buf(), root.join("callback")] {
        let before = files.len();
        sources(&crate_dir.join("src"), &mut files);
        assert!(files.len() - before >= 10, "found only {} source files", files.len() - before);
        files.push(crate_dir.join("README.md"));
    }
    let mut bad = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let is_readme = file.extension().is_some_and(|e| e == "md");
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_start();
            let doc = if is_readme {
                line
            } else {
                let Some(doc) = line.strip_prefix("//!").or_else(|| line.strip_prefix("///"))
                else {
                    continue;
                };
                doc
            };
            for target in link_targets(doc) {
                if !resolves_anywhere(target) {
                    bad.push(format!("{}:{}: {target}", file.display(), number + 1));
                }
            }
        }
        // A file included as the crate docs must be one of the files read here.
        const INCLUDE: &str = "#![doc = include_str!(\"";
        if let Some(at) = text.find(INCLUDE) {
            let included = &text[at + INCLUDE.len()..];
            let included = &included[..included.find('"').unwrap_or(0)];
            let path = file.parent().unwrap().join(included).canonicalize().unwrap();
            assert!(
                files.iter().any(|f| f.canonicalize().is_ok_and(|f| f == path)),
                "{}: includes {included}, which this test does not read",
                file.display()
            );
        }
    }
    assert!(bad.is_empty(), "relative links in the docs:\n{}", bad.join("\n"));
}
