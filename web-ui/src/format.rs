//! Display helpers: durations, times in the viewer's zone, statuses.

use chrono::{DateTime, Local, Utc};

/// `1h 02m`, `3m 05s`, `42s`.
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

pub fn duration_f(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "—".to_owned(), |s| duration(s.round() as i64))
}

pub fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// Seconds from `since` to `now`.
pub fn elapsed(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> i64 {
    since.map_or(0, |t| (now - t).num_seconds().max(0))
}

/// `14:03:27` in the viewer's time zone.
pub fn time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "—".to_owned(),
        |t| t.with_timezone(&Local).format("%H:%M:%S").to_string(),
    )
}

/// `2025-01-31 14:03:27` in the viewer's time zone.
pub fn date_time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "—".to_owned(),
        |t| {
            t.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// `14:03:27.120` for timelines.
pub fn time_ms(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%H:%M:%S%.3f").to_string()
}

/// The last 8 characters of an id: ids are UUIDv7, whose first characters are a timestamp
/// shared by ids made close together.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

/// `on_hold` → `On hold`.
pub fn status_label(status: &str) -> String {
    match status {
        "no_interpreter_available" => "No interpreter available".to_owned(),
        "wrapped_up" => "Wrapped up".to_owned(),
        "wrap_up" => "Wrap-up".to_owned(),
        "break" => "On break".to_owned(),
        other => {
            let text = other.replace('_', " ");
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
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
