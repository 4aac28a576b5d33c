//! The embedded catalogues, the current language's bundle, and the lookup with its
//! fallbacks: a message missing from a catalogue is taken from English, then shown as its
//! id, and logged to the console once (a test keeps the catalogues complete, but a
//! missing message must never blank the page or panic).

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use unic_langid::LanguageIdentifier;
use wire::locales::DEFAULT_LOCALE;

/// `(id, Fluent source)` of every `locales/*.ftl`, sorted by id (`build.rs`).
pub(super) const CATALOGUES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

/// A language's id, as the catalogue file is named (`en`, `es`, `ar`).
pub type Locale = String;

/// The ids of every catalogue, sorted.
pub fn locale_ids() -> impl Iterator<Item = &'static str> {
    CATALOGUES.iter().map(|(id, _)| *id)
}

/// The language's own name (its catalogue's `language-name`: "Español", "العربية").
pub fn native_name(locale: &str) -> String {
    bundle_for(locale)
        .and_then(|bundle| format_in(&bundle, "language-name", None))
        .unwrap_or_else(|| locale.to_owned())
}

pub(super) struct Catalogues {
    locale: String,
    bundle: Option<FluentBundle<FluentResource>>,
    /// English, the fallback; `None` when the current language is English.
    english: Option<FluentBundle<FluentResource>>,
}

impl Catalogues {
    fn new(locale: &str) -> Self {
        let english = (locale != DEFAULT_LOCALE)
            .then(|| bundle_for(DEFAULT_LOCALE))
            .flatten();
        Self {
            locale: locale.to_owned(),
            bundle: bundle_for(locale),
            english,
        }
    }

    pub(super) fn locale_id(&self) -> &str {
        &self.locale
    }

    pub(super) fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        if let Some(text) = self.bundle.as_ref().and_then(|b| format_in(b, id, args)) {
            return text;
        }
        report_missing(&self.locale, id);
        self.english
            .as_ref()
            .and_then(|english| format_in(english, id, args))
            .unwrap_or_else(|| id.to_owned())
    }
}

/// A bundle of the catalogue `locale`, or `None` when there is no such catalogue.
pub(super) fn bundle_for(locale: &str) -> Option<FluentBundle<FluentResource>> {
    let source = CATALOGUES
        .iter()
        .find(|(id, _)| *id == locale)
        .map(|(_, source)| *source)?;
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(resource) => resource,
        Err((partial, errors)) => {
            log(&format!(
                "the {locale} catalogue has syntax errors: {errors:?}"
            ));
            partial
        }
    };
    let language: LanguageIdentifier = locale.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![language]);
    // No Unicode isolation marks around placeables: names and numbers are short, the page
    // sets `dir`, and the marks would get into copied text and the tests' text matching.
    bundle.set_use_isolating(false);
    #[cfg(target_arch = "wasm32")]
    bundle.set_formatter(Some(locale_number));
    if let Err(errors) = bundle.add_resource(resource) {
        log(&format!(
            "the {locale} catalogue repeats messages: {errors:?}"
        ));
    }
    Some(bundle)
}

/// Numbers in messages ("3 calls") with the current locale's digits and separators.
#[cfg(target_arch = "wasm32")]
fn locale_number<M>(value: &fluent_bundle::FluentValue, _: &M) -> Option<String> {
    match value {
        fluent_bundle::FluentValue::Number(number) => Some(crate::format::number(number.value)),
        _ => None,
    }
}

/// The message's value formatted, or `None` when the bundle has no such message.
fn format_in(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: Option<&FluentArgs>,
) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned();
    if !errors.is_empty() {
        log(&format!("message {id}: {errors:?}"));
    }
    Some(text)
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Catalogues>>> = const { RefCell::new(None) };
    static REPORTED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Runs `f` with the current language's catalogues (English until one is chosen).
pub(super) fn with_current<T>(f: impl FnOnce(&Catalogues) -> T) -> T {
    let catalogues = CURRENT.with(|current| {
        current
            .borrow_mut()
            .get_or_insert_with(|| Rc::new(Catalogues::new(DEFAULT_LOCALE)))
            .clone()
    });
    f(&catalogues)
}

/// Makes `locale` the current language (an id from [`locale_ids`]).
pub(super) fn set_current(locale: &str) {
    let catalogues = Rc::new(Catalogues::new(locale));
    CURRENT.with(|current| *current.borrow_mut() = Some(catalogues));
}

fn report_missing(locale: &str, id: &str) {
    let first_time =
        REPORTED.with(|reported| reported.borrow_mut().insert(format!("{locale}:{id}")));
    if first_time {
        log(&format!(
            "no message {id:?} in the {locale} catalogue: shown in English, or as its id"
        ));
    }
}

fn log(text: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::warn_1(&text.into());
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}
