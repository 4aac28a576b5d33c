//! The interface in the user's language (issue 25 §3). Every user-visible string is a
//! message in a Fluent catalogue, `web-ui/locales/<id>.ftl`, embedded at build time
//! (`build.rs`): adding a language is adding a file. docs/ui.md says how a language is
//! chosen and how text, dates and numbers are formatted.
//!
//! Text is looked up with the free functions [`t`] and [`t_args`] (usable in helpers and
//! `Route::title` as well as in components). A component that shows text calls
//! [`use_locale`] so that it renders again when the language changes.

mod catalogue;
mod negotiate;
mod provider;

#[cfg(test)]
mod catalogue_check;

pub use catalogue::{locale_ids, native_name, Locale};
pub use negotiate::{is_right_to_left, negotiate};
pub use provider::{use_locale, LocaleHandle, LocaleProvider};

use fluent_bundle::{FluentArgs, FluentValue};

/// The message `id` in the current language (English, then the id, when it is missing).
pub fn t(id: &str) -> String {
    catalogue::with_current(|catalogues| catalogues.format(id, None))
}

/// The message `id` with its placeables: `t_args("console-calls-today", &[("count", num(3))])`.
/// A number argument picks the plural form by the language's CLDR rules and is written
/// with the locale's digits and separators.
pub fn t_args(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    catalogue::with_current(|catalogues| catalogues.format(id, Some(&fluent_args)))
}

/// A string argument for [`t_args`].
pub fn arg(text: impl Into<String>) -> FluentValue<'static> {
    FluentValue::String(text.into().into())
}

/// A number argument for [`t_args`] (picks the plural form).
pub fn num(value: impl Into<f64>) -> FluentValue<'static> {
    FluentValue::from(value.into())
}

/// The current language's id (`en`, `es`, `ar`, ...).
pub fn current_locale() -> String {
    catalogue::with_current(|catalogues| catalogues.locale_id().to_owned())
}
