//! The languages the web UI speaks are the files in `web-ui/locales/` (`en.ftl`, `es.ftl`,
//! ...): adding a language is adding a file. This lists their ids for `locales.rs`, so the
//! server accepts exactly the languages the web UI has catalogues for.

use std::path::Path;
use std::{env, fs};

fn main() {
    let dir =
        Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../web-ui/locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut ids: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let name = entry.file_name().into_string().ok()?;
                    name.strip_suffix(".ftl").map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    let list = ids
        .iter()
        .map(|id| format!("{id:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let out = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join("locales.rs");
    if let Err(error) = fs::write(&out, format!("&[{list}]")) {
        panic!("cannot write {}: {error}", out.display());
    }
}
