//! Embeds every catalogue in `locales/` (`en.ftl`, `es.ftl`, ...) into the app: adding a
//! language is adding a file, with no list to keep in step. Writes `catalogues.rs`, a
//! `&[(id, source)]` sorted by id, for `i18n::catalogue`.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let path = entry.path();
                    let id = path.file_name()?.to_str()?.strip_suffix(".ftl")?.to_owned();
                    Some((id, path))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let entries: Vec<String> = files
        .iter()
        .map(|(id, path)| {
            println!("cargo:rerun-if-changed={}", path.display());
            format!("({id:?}, include_str!({:?}))", path.display().to_string())
        })
        .collect();
    let out = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join("catalogues.rs");
    if let Err(error) = fs::write(&out, format!("&[{}]", entries.join(",\n"))) {
        panic!("cannot write {}: {error}", out.display());
    }
}
