//! The languages of the interface: one Fluent catalogue per language in `web-ui/locales/`,
//! named by its BCP 47 id. The server stores a user's choice only if it is one of these.

/// The ids of the catalogues, sorted (`["ar", "en", "es"]`), found by `build.rs`.
pub const SUPPORTED_LOCALES: &[&str] = include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// The catalogue every other one is checked against, and the last fallback.
pub const DEFAULT_LOCALE: &str = "en";

pub fn is_supported(locale: &str) -> bool {
    SUPPORTED_LOCALES.contains(&locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_supported_and_the_list_comes_from_the_files() {
        assert!(is_supported(DEFAULT_LOCALE));
        assert!(is_supported("es"));
        assert!(is_supported("ar"));
        assert!(!is_supported("xx"));
    }
}
