//! Display helpers: durations, times in the viewer's zone, numbers, statuses — in the
//! interface's language. Dates and numbers go through the browser's `Intl` (the locale's
//! digits, separators, month names); words come from the catalogues.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Local, Utc};
use js_sys::Intl::{DateTimeFormat, NumberFormat};
use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{arg, current_locale, t, t_args};

/// `1h 02m`, `3m 05s`, `42s` (in the interface's language).
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        t_args(
            "duration-hours-minutes",
            &[
                ("hours", arg(integer(s / 3600, 1))),
                ("minutes", arg(integer((s % 3600) / 60, 2))),
            ],
        )
    } else if s >= 60 {
        t_args(
            "duration-minutes-seconds",
            &[
                ("minutes", arg(integer(s / 60, 1))),
                ("seconds", arg(integer(s % 60, 2))),
            ],
        )
    } else {
        t_args("duration-seconds", &[("seconds", arg(integer(s, 1)))])
    }
}

pub fn duration_f(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "—".to_owned(), |s| duration(s.round() as i64))
}

pub fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(
        || "—".to_owned(),
        |r| {
            with_number_format(
                "percent",
                || {
                    vec![
                        ("style", "percent".into()),
                        ("maximumFractionDigits", 0.into()),
                    ]
                },
                r,
            )
            .unwrap_or_else(|| format!("{:.0}%", r * 100.0))
        },
    )
}

/// A number in the interface's locale: `1,234.5`, `1.234,5`, `١٬٢٣٤٫٥`.
pub fn number(value: f64) -> String {
    with_number_format(
        "number",
        || vec![("maximumFractionDigits", 1.into())],
        value,
    )
    .unwrap_or_else(|| {
        if value.fract() == 0.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}")
        }
    })
}

/// A whole number with at least `digits` digits: `02`, `٠٢`.
fn integer(value: i64, digits: u32) -> String {
    let kind = if digits == 2 { "two-digits" } else { "integer" };
    with_number_format(
        kind,
        || {
            vec![
                ("minimumIntegerDigits", digits.into()),
                ("useGrouping", false.into()),
            ]
        },
        value as f64,
    )
    .unwrap_or_else(|| format!("{value:0width$}", width = digits as usize))
}

thread_local! {
    /// Intl formatters are costly to make and tables format hundreds of values: one per
    /// (locale, kind), made on first use.
    static NUMBER_FORMATS: RefCell<HashMap<(String, &'static str), NumberFormat>> = RefCell::new(HashMap::new());
    static DATE_FORMATS: RefCell<HashMap<(String, &'static str), DateTimeFormat>> = RefCell::new(HashMap::new());
}

fn options(pairs: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (name, value) in pairs {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object
}

/// `None` off the browser (the host's unit tests), where there is no `Intl`.
/// `pairs` (the `Intl` options) is a closure: a `JsValue` cannot even be made off the browser.
fn with_number_format(
    kind: &'static str,
    pairs: impl FnOnce() -> Vec<(&'static str, JsValue)>,
    value: f64,
) -> Option<String> {
    if !cfg!(target_arch = "wasm32") {
        return None;
    }
    let locale = current_locale();
    NUMBER_FORMATS.with(|formats| {
        let mut formats = formats.borrow_mut();
        let format = formats.entry((locale.clone(), kind)).or_insert_with(|| {
            NumberFormat::new(
                &js_sys::Array::of1(&JsValue::from_str(&locale)),
                &options(&pairs()),
            )
        });
        format
            .format()
            .call1(&JsValue::UNDEFINED, &JsValue::from_f64(value))
            .ok()
            .and_then(|text| text.as_string())
    })
}

fn with_date_format(
    kind: &'static str,
    pairs: impl FnOnce() -> Vec<(&'static str, JsValue)>,
    at: DateTime<Utc>,
) -> String {
    let plain = || {
        at.with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    if !cfg!(target_arch = "wasm32") {
        return plain();
    }
    let locale = current_locale();
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    DATE_FORMATS.with(|formats| {
        let mut formats = formats.borrow_mut();
        let format = formats.entry((locale.clone(), kind)).or_insert_with(|| {
            DateTimeFormat::new(
                &js_sys::Array::of1(&JsValue::from_str(&locale)),
                &options(&pairs()),
            )
        });
        format
            .format()
            .call1(&JsValue::UNDEFINED, &date)
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_else(plain)
    })
}

/// Hours, minutes and seconds on a 24-hour clock (a floor reads them side by side).
fn clock(pairs: &mut Vec<(&'static str, JsValue)>) {
    pairs.extend([
        ("hour", "2-digit".into()),
        ("minute", "2-digit".into()),
        ("second", "2-digit".into()),
        ("hourCycle", "h23".into()),
    ]);
}

/// Seconds from `since` to `now`.
pub fn elapsed(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> i64 {
    since.map_or(0, |t| (now - t).num_seconds().max(0))
}

/// `14:03:27` in the viewer's time zone, with the locale's digits.
pub fn time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "—".to_owned(),
        |t| {
            with_date_format(
                "time",
                || {
                    let mut pairs = Vec::new();
                    clock(&mut pairs);
                    pairs
                },
                t,
            )
        },
    )
}

/// `Jan 31, 2025, 14:03:27` (`31 ene 2025, 14:03:27`, …) in the viewer's time zone.
pub fn date_time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "—".to_owned(),
        |t| {
            with_date_format(
                "date-time",
                || {
                    let mut pairs = vec![
                        ("year", "numeric".into()),
                        ("month", "short".into()),
                        ("day", "numeric".into()),
                    ];
                    clock(&mut pairs);
                    pairs
                },
                t,
            )
        },
    )
}

/// `14:03:27.120` for timelines.
pub fn time_ms(at: DateTime<Utc>) -> String {
    with_date_format(
        "time-ms",
        || {
            let mut pairs = vec![("fractionalSecondDigits", 3.into())];
            clock(&mut pairs);
            pairs
        },
        at,
    )
}

/// The last 8 characters of an id: ids are UUIDv7, whose first characters are a timestamp
/// shared by ids made close together.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

/// A status, activity or option as the server names it (`on_hold`, `wrap_up`, `medical`)
/// → its words in the interface's language. One message per value of the shared
/// vocabulary; a value this build does not know is shown humanised (`new_thing` →
/// `New thing`), as the server may be newer than the page.
pub fn status_label(status: &str) -> String {
    let id = match status {
        // A call's status (domain::call::CallStatus).
        "new" => "status-new",
        "requested" => "status-requested",
        "queued" => "status-queued",
        "offered" => "status-offered",
        "connected" => "status-connected",
        "on_hold" => "status-on-hold",
        "ended" => "status-ended",
        "wrapped_up" => "status-wrapped-up",
        "abandoned" => "status-abandoned",
        "no_interpreter_available" => "status-no-interpreter-available",
        // An interpreter's status and activity.
        "available" => "status-available",
        "break" => "status-break",
        "offline" => "status-offline",
        "away" => "status-away",
        "idle" => "status-idle",
        "ringing" => "status-ringing",
        "on_call" => "status-on-call",
        "wrap_up" => "status-wrap-up",
        // What became of an offer (the routing panel).
        "accepted" => "offer-outcome-accepted",
        "declined" => "offer-outcome-declined",
        "expired" => "offer-outcome-expired",
        "withdrawn" => "offer-outcome-withdrawn",
        // Specialties, modalities and routing strategies (types::SPECIALTIES, ...).
        "general" => "specialty-general",
        "medical" => "specialty-medical",
        "legal" => "specialty-legal",
        "video" => "modality-video",
        "audio" => "modality-audio",
        "longest_idle" => "strategy-longest-idle",
        "round_robin" => "strategy-round-robin",
        "fewest_calls_today" => "strategy-fewest-calls-today",
        "best_proficiency" => "strategy-best-proficiency",
        other => return capitalised(other),
    };
    t(id)
}

/// `new_thing` → `New thing`; `espera preferida` → `Espera preferida`.
pub fn capitalised(value: &str) -> String {
    let text = value.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn opt(text: &Option<String>) -> String {
    text.clone().unwrap_or_else(|| "—".to_owned())
}

/// Now, as the browser's clock tells it.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A `datetime-local` input's value (the viewer's zone) → UTC.
pub fn parse_local_input(value: &str) -> Option<DateTime<Utc>> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value));
    let ms = date.get_time();
    if ms.is_nan() {
        return None;
    }
    DateTime::from_timestamp_millis(ms as i64)
}

/// UTC → a `datetime-local` input's value in the viewer's zone (seconds precision).
pub fn local_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// RFC 3339 with milliseconds and `Z`, safe in a query string.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A file's size: `812 B`, `14.2 KB`, `3.1 MB`.
pub fn bytes(size: f64) -> String {
    if size < 1000.0 {
        format!("{size:.0} B")
    } else if size < 1_000_000.0 {
        format!("{:.1} KB", size / 1000.0)
    } else {
        format!("{:.1} MB", size / 1_000_000.0)
    }
}

/// The name of the language `code` in the interface's language (`Intl.DisplayNames`),
/// or `None` off the browser or when the browser does not know it.
pub fn language_display_name(code: &str) -> Option<String> {
    if !cfg!(target_arch = "wasm32") {
        return None;
    }
    let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&intl, &JsValue::from_str("DisplayNames"))
            .ok()?
            .dyn_into()
            .ok()?;
    let arguments = js_sys::Array::of2(
        &js_sys::Array::of1(&JsValue::from_str(&current_locale())),
        &options(&[("type", "language".into()), ("fallback", "none".into())]),
    );
    let names = js_sys::Reflect::construct(&constructor, &arguments).ok()?;
    let of: js_sys::Function = js_sys::Reflect::get(&names, &JsValue::from_str("of"))
        .ok()?
        .dyn_into()
        .ok()?;
    of.call1(&names, &JsValue::from_str(code)).ok()?.as_string()
}
