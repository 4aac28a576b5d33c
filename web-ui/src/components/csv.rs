//! Tables as CSV files: built from the rows the page already holds and handed to the
//! browser to save, with a button that does both.

use yew::prelude::*;

use crate::i18n::{arg, t_args};

/// One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180), and
/// prefixed with `'` when a spreadsheet would take it for a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The table as CSV text, header first, lines ending in CRLF.
pub fn to_csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut text = String::new();
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    text.push_str(&line(header.iter().map(|h| field(h)).collect()));
    for row in rows {
        text.push_str(&line(row.iter().map(|c| field(c)).collect()));
    }
    text
}

/// Saves `text` as the CSV file `name`.
pub fn save_csv(name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "could not build the file".to_owned())?;
    crate::pages::analytics::save_blob(name, &blob)
}

#[derive(Properties, PartialEq)]
pub struct CsvButtonProps {
    /// The file's name, `.csv` included.
    pub name: AttrValue,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// What the button says, for a screen reader too: which table it saves.
    pub label: AttrValue,
}

/// A button that saves a table as CSV; a failure shows beside it.
#[function_component]
pub fn CsvButton(props: &CsvButtonProps) -> Html {
    let failure = use_state(|| None::<String>);
    let onclick = {
        let (name, header, rows) = (props.name.clone(), props.header.clone(), props.rows.clone());
        let failure = failure.clone();
        Callback::from(move |_| {
            failure.set(save_csv(&name, &to_csv(&header, &rows)).err());
        })
    };
    html! {
        <>
            <button type="button" class="secondary small" {onclick}>{ props.label.clone() }</button>
            if let Some(error) = (*failure).clone() {
                <span role="status" class="muted">{ t_args("analytics-save-failed", &[("error", arg(error))]) }</span>
            }
        </>
    }
}
