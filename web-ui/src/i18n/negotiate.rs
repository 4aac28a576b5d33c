//! Which catalogue fits a list of the browser's languages, and a language's direction.
//! Pure, so it is unit-tested on the host.

use unic_langid::LanguageIdentifier;

/// The first of `wanted` (the browser's `navigator.languages`, best first) that a
/// catalogue in `supported` serves: exactly (`es`), or by its language alone (`es-MX` →
/// `es`, `ar-EG` → `ar`). `None` when none fits.
pub fn negotiate(wanted: &[String], supported: &[&str]) -> Option<String> {
    wanted.iter().find_map(|tag| {
        let tag = tag.trim();
        if let Some(exact) = supported.iter().find(|id| id.eq_ignore_ascii_case(tag)) {
            return Some((*exact).to_owned());
        }
        let language = tag.parse::<LanguageIdentifier>().ok()?.language;
        supported
            .iter()
            .find(|id| {
                id.parse::<LanguageIdentifier>()
                    .is_ok_and(|candidate| candidate.language == language)
            })
            .map(|id| (*id).to_owned())
    })
}

/// Whether `locale` is written right to left (Arabic, Hebrew, Persian, Urdu, ...).
pub fn is_right_to_left(locale: &str) -> bool {
    locale
        .parse::<LanguageIdentifier>()
        .is_ok_and(|id| id.character_direction() == unic_langid::CharacterDirection::RTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|tag| (*tag).to_owned()).collect()
    }

    const SUPPORTED: &[&str] = &["ar", "en", "es"];

    #[test]
    fn the_first_browser_language_with_a_catalogue_wins() {
        assert_eq!(
            negotiate(&tags(&["es-MX", "en"]), SUPPORTED).as_deref(),
            Some("es")
        );
        assert_eq!(
            negotiate(&tags(&["fr-FR", "ar-EG"]), SUPPORTED).as_deref(),
            Some("ar")
        );
        assert_eq!(negotiate(&tags(&["EN"]), SUPPORTED).as_deref(), Some("en"));
        assert_eq!(negotiate(&tags(&["fr", "de"]), SUPPORTED), None);
        assert_eq!(negotiate(&tags(&["not a tag"]), SUPPORTED), None);
    }

    #[test]
    fn arabic_is_right_to_left_and_the_others_are_not() {
        assert!(is_right_to_left("ar"));
        assert!(is_right_to_left("ar-EG"));
        assert!(!is_right_to_left("en"));
        assert!(!is_right_to_left("es"));
    }
}
